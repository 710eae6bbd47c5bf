import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { linkTarget, readState, POOL } from '../support/accounts.js';
import { submissions } from '../support/sessions.js';
import { startFleet, stopFleet, type RealFleet } from './harness/fleet.js';
import { TRICKY_BODY, cliJson, diagnostics, dispatchNew, expectOtherUntouched, expectedMessage, paneOf, reconcileUntilDone, turnsOf, waitShowing } from './harness/scenario.js';

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

  it.each([
    { kind: 'server-error', status: 500 },
    { kind: 'overloaded', status: 529 },
  ] as const)('$status ($kind): Claude Code retries, check-quota does not swap, and the retried turn completes', async ({ kind, status }) => {
    const name = `retry-${status}.md`;
    fleet.standIn.setMode({ kind }, 'main');
    await dispatchNew(fleet, name, `Answer once the API is back (${status}).`);
    // Claude Code retries on its own: two failed attempts have reached the stand-in, and it is still at it.
    await waitShowing(fleet, `two ${status} answers`, async () => turnsOf(fleet, name, 'main').filter((t) => t.status === status).length >= 2, [POOL]);

    const quota = await cliJson<{ action: string; swap: unknown; sessions: Array<{ session: string; kind: string }> }>(fleet, ['check-quota']);
    const context = `${JSON.stringify(quota)}\n${await diagnostics(fleet, [POOL])}`;
    expect(quota, context).toMatchObject({ account: 'main', action: 'none', swap: null });
    expect(quota.sessions.find((v) => v.session === POOL)?.kind, context).not.toBe('limit');
    expect(await linkTarget(fleet)).toBe(fleet.homes.main);
    expect((await readState(fleet)).counters.swaps).toBe(0);

    // The API recovers: Claude Code's next retry succeeds and the task is done, on main, in one conversation.
    fleet.standIn.setMode({ kind: 'ok' }, 'main');
    await reconcileUntilDone(fleet, name);
    const turns = turnsOf(fleet, name);
    expect(turns.at(-1)).toMatchObject({ status: 200, account: 'main' });
    expect(new Set(turns.map((t) => t.sessionId)).size).toBe(1);
    await expectOtherUntouched(fleet);
  });
});

async function waitForTurn(fleet: RealFleet, name: string) {
  return waitShowing(fleet, `${name} at the stand-in`, async () => {
    const turns = turnsOf(fleet, name);
    return turns.length > 0 ? turns : undefined;
  }, [POOL]);
}
