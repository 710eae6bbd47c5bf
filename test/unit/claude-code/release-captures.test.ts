import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeLiveSession } from '../../../src/quota/core/evidence.js';
import { parseTranscriptChunk } from '../../../src/claude-code/core/transcript.js';

/**
 * Every release's captured screens and transcripts, read as check-quota reads them: the reference captures of
 * 2.1.100, 2.1.200 and 2.1.328 at the top of test/fixtures/claude-code/, and each `test/fixtures/claude-code/<version>/`
 * folder of a release captured against the loopback API (`<state>.txt`, `.ansi.txt`, `.transcript.jsonl`). A
 * release folder that appears joins the table by itself.
 */
const FIXTURES = fileURLToPath(new URL('../../fixtures/claude-code/', import.meta.url));
const read = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

/**
 * What each captured state must read as: a limit of that kind, or nothing (a 5xx, a 400 …); a failed login reads as
 * one from its record (the pane alone is not taken for it: its text has no time).
 */
const STATES: Record<string, { kind: 'limit' | 'clear'; limitType?: string; withRecord?: 'login-failed' }> = {
  'five-hour-limit': { kind: 'limit', limitType: 'five_hour' },
  'weekly-limit': { kind: 'limit', limitType: 'seven_day' },
  busy: { kind: 'clear' },
  done: { kind: 'clear' },
  idle: { kind: 'clear' },
  'expired-login': { kind: 'clear', withRecord: 'login-failed' },
  'revoked-login': { kind: 'clear', withRecord: 'login-failed' },
  'invalid-request': { kind: 'clear' },
  overloaded: { kind: 'clear' },
  'overloaded-retrying': { kind: 'clear' },
  'server-error': { kind: 'clear' },
  'server-error-retrying': { kind: 'clear' },
};

interface Capture {
  release: string;
  state: string;
  pane: string;
  records: ReturnType<typeof parseTranscriptChunk>;
}

const releases = readdirSync(FIXTURES).filter((name) => /^\d+\.\d+\.\d+$/.test(name) && statSync(join(FIXTURES, name)).isDirectory());
const captured: Capture[] = releases.flatMap((release) =>
  Object.keys(STATES).flatMap((state) =>
    ['.txt', '.ansi.txt'].flatMap((ext) => {
      if (!existsSync(join(FIXTURES, release, `${state}${ext}`))) return [];
      const transcript = join(release, `${state}.transcript.jsonl`);
      const records = existsSync(join(FIXTURES, transcript)) ? parseTranscriptChunk(read(transcript), true) : [];
      return [{ release: `${release}${ext === '.ansi.txt' ? ' (colour)' : ''}`, state, pane: read(join(release, `${state}${ext}`)), records }];
    }),
  ),
);
// The reference captures: a turn that failed at 21:50 UTC on the limit that resets at 12:50am UTC.
const REFERENCE: Capture[] = [
  { release: '2.1.100 (reference)', state: 'five-hour-limit', pane: read('usage-limit-2.1.100.txt'), records: [JSON.parse(read('transcript-usage-limit-record-2.1.100.json')) as Record<string, unknown>] },
  { release: '2.1.200 (reference)', state: 'five-hour-limit', pane: read('usage-limit-2.1.200.txt'), records: [] },
  { release: '2.1.328 (reference)', state: 'five-hour-limit', pane: read('usage-limit-5h.txt'), records: [JSON.parse(read('transcript-usage-limit-record.json')) as Record<string, unknown>] },
  { release: '2.1.328 (reference)', state: 'expired-login', pane: read('login-expired-401.txt'), records: [JSON.parse(read('transcript-login-expired-401-record.json')) as Record<string, unknown>] },
  { release: '2.1.328 (reference)', state: 'idle', pane: read('idle-prompt.txt'), records: [] },
  { release: '2.1.328 (reference)', state: 'busy', pane: read('busy-working.txt'), records: [] },
  { release: '2.1.328 (reference)', state: 'done', pane: read('turn-done.txt'), records: [] },
];

/** Half a minute after the turn's newest record (or the reference captures' failed turn). */
function clockOf(capture: Capture): Date {
  const times = capture.records.map((r) => (typeof r.timestamp === 'string' ? Date.parse(r.timestamp) : Number.NaN)).filter(Number.isFinite);
  return new Date((times.length > 0 ? Math.max(...times) : Date.parse('2026-12-01T21:50:00Z')) + 30_000);
}

const CASES = [...REFERENCE, ...captured].map((c) => [c.release, c.state, c] as const);

describe('every captured release state reads as what it is', () => {
  it.each(CASES)('%s %s', (_release, state, capture) => {
    const expected = STATES[state] as (typeof STATES)[string];
    const now = clockOf(capture);
    const paneOnly = judgeLiveSession({ pane: capture.pane, records: null, processStartedAt: null, now, defaultZone: 'UTC' });
    const withTranscript = judgeLiveSession({ pane: capture.pane, records: capture.records, processStartedAt: null, now, defaultZone: 'UTC' });
    const kinds = [expected.kind, capture.records.length > 0 ? expected.withRecord ?? expected.kind : expected.kind];
    [paneOnly, withTranscript].forEach((verdict, i) => expect(verdict).toMatchObject({ kind: kinds[i], veto: null, ...(expected.limitType ? { limitType: expected.limitType } : {}) }));
    if (expected.kind !== 'limit') return;
    // The pane prints the reset to the minute; the record, where it has one, to the second.
    const exact = withTranscript.source === 'transcript' ? Date.parse(withTranscript.resetAt as string) : Number.NaN;
    const printed = Date.parse(paneOnly.resetAt as string);
    expect(printed).toBeGreaterThan(now.getTime());
    if (Number.isFinite(exact)) expect(exact - printed).toBeGreaterThanOrEqual(0);
    if (Number.isFinite(exact)) expect(exact - printed).toBeLessThan(60_000);
  });
});
