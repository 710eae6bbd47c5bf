import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { POOL } from '../support/accounts.js';
import { submissions } from '../support/sessions.js';
import { startFleet, stopFleet, type RealFleet } from './harness/fleet.js';
import { TRICKY_BODY, dispatchNew, expectOtherUntouched, expectedMessage, paneOf, reconcileUntilDone, turnsOf, waitShowing } from './harness/scenario.js';

/**
 * Dispatch on real Claude Code releases: the task text goes through tmux's bracketed paste into the release's input
 * box and must reach the API exactly as written, be submitted, and be filed in done/ once the turn is over.
 */
describe.each(inject('claudeCodeReleases'))('Claude Code $version: dispatch', (release) => {
  let fleet: RealFleet;
  beforeAll(async () => {
    fleet = await startFleet(release);
  });
  afterAll(async () => {
    if (fleet) await stopFleet(fleet);
  });

  it('a tricky multi-line task arrives byte-exact, is submitted once, and its completion files it in done/', async () => {
    await dispatchNew(fleet, 'tricky.md', TRICKY_BODY);
    const expected = expectedMessage('tricky.md', TRICKY_BODY);

    const [turn] = await waitForTurn(fleet, 'tricky.md');
    expect(turn?.userText, await paneOf(fleet, POOL)).toBe(expected);
    expect(turn?.account).toBe('main');
    // Claude Code's own record of what was submitted says the same (it may reach the disk after the request).
    const recorded = await waitShowing(fleet, 'the submission in the transcript', async () => {
      const found = (await submissions(fleet.home)).filter((s) => s.message.startsWith('[tricky.md]'));
      return found.length > 0 ? found : undefined;
    }, [POOL]);
    expect(recorded.map((s) => s.message)).toEqual([expected]);

    const done = await reconcileUntilDone(fleet, 'tricky.md');
    expect(done.startsWith(`${TRICKY_BODY}\n`)).toBe(true);
    expect(done).toMatch(/claude-failover: done/);
    expect(turnsOf(fleet, 'tricky.md')).toHaveLength(1);
    await expectOtherUntouched(fleet);
  });
});

async function waitForTurn(fleet: RealFleet, name: string) {
  return waitShowing(fleet, `${name} at the stand-in`, async () => {
    const turns = turnsOf(fleet, name);
    return turns.length > 0 ? turns : undefined;
  }, [POOL]);
}
