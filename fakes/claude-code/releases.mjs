// The releases the fake reproduces, one profile each (captured in test/fixtures/claude-code/<version>/), chosen by
// FAKE_CLAUDE_RELEASE=<version>; without it, the newest captured.
import r100 from './release-2.1.100.mjs';
import r200 from './release-2.1.200.mjs';
import r328 from './release-2.1.328.mjs';
import r332 from './release-2.1.332.mjs';

export const RELEASES = [r100, r200, r328, r332];
export const NEWEST = RELEASES[RELEASES.length - 1];

/** The profile for `$FAKE_CLAUDE_RELEASE`, or null for a release the fake does not know. */
export function pickRelease(env) {
  const wanted = env.FAKE_CLAUDE_RELEASE;
  if (!wanted) return NEWEST;
  return RELEASES.find((r) => r.version === wanted) ?? null;
}
