import { describe, expect, it } from 'vitest';
import { run as checkQuota } from '../../../src/quota/check-quota.command.js';
import { makeRig, waitFor, type Rig } from '../../support/sessions.js';

/**
 * check-quota's decision across polls, in process on a real private tmux server: panes that print Claude Code's
 * own limit lines (no Claude Code needed for the screen), the state persisted between runs.
 */
async function show(rig: Rig, session: string, lines: string[]): Promise<void> {
  await rig.tmux.sendLine(session, `clear; printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')}`, { reset: true });
  await waitFor('the lines on the pane', async () => (await rig.tmux.capture(session)).includes(lines[lines.length - 1] as string));
}

describe('check-quota over several polls', () => {
  it('a limit without a reset time is only suspected until confirm_polls polls agree; a recovery clears it', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 } });
    const now = new Date();
    rig.ctx.clock = { ...rig.ctx.clock, now: () => now };
    for (const name of ['ccl-auto-11', 'ccl-auto-12']) await rig.tmux.newSession(name, { cwd: rig.home });
    await show(rig, 'ccl-auto-12', ['⎿  Usage limit reached']);

    const first = await checkQuota({ swap: false }, rig.ctx);
    expect(first).toMatchObject({ action: 'suspect', suspicion: { session: 'ccl-auto-12', polls: 1, pattern: 'usage-limit-reached' }, swap: null, exhaustedUntil: null });
    expect(first.sessions.map((s) => [s.session, s.kind])).toEqual([['ccl-auto-11', 'clear'], ['ccl-auto-12', 'suspected']]);
    expect((await rig.ctx.state.load()).quotaSuspicion).toMatchObject({ session: 'ccl-auto-12', polls: 1 });
    expect(rig.ctx.logLines.filter((l) => l.message.startsWith('quota detection: session=ccl-auto-12 verdict=suspected'))).toHaveLength(1);

    const second = await checkQuota({ swap: false }, rig.ctx);
    expect(second).toMatchObject({ action: 'swap', resetKnown: false, swap: { status: 'skipped', reason: '--no-swap' } });
    const state = await rig.ctx.state.load();
    expect(state.accounts.main?.exhaustedUntil).toBe(new Date(now.getTime() + 5 * 3_600_000).toISOString());
    expect(state.detections.map((d) => d.action)).toEqual(['suspect', 'swap']);

    await show(rig, 'ccl-auto-12', ['● Done.']);
    const third = await checkQuota({ swap: false }, rig.ctx);
    expect(third).toMatchObject({ action: 'none', suspicion: null });
    expect((await rig.ctx.state.load()).quotaSuspicion).toBeNull();
  });

  it('a server error in the same tail vetoes the limit: nothing is suspected or marked', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await rig.tmux.newSession('ccl-auto-11', { cwd: rig.home });
    await show(rig, 'ccl-auto-11', ['⎿  Usage limit reached · resets in 2h', '⎿  API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}']);
    const result = await checkQuota({ swap: true }, rig.ctx);
    expect(result).toMatchObject({ action: 'none', swap: null, exhaustedUntil: null });
    expect(result.sessions[0]).toMatchObject({ kind: 'vetoed', veto: 'api-error-5xx' });
    expect((await rig.ctx.state.load()).accounts.main?.exhaustedUntil ?? null).toBeNull();
  });

  it('sessions outside the pool range and the dedicated list are never read', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await rig.tmux.newSession('ccl-auto-1', { cwd: rig.home }); // a prefix of ccl-auto-11, not in the range
    await show(rig, 'ccl-auto-1', ['⎿  Usage limit reached · resets in 2h']);
    const result = await checkQuota({ swap: true }, rig.ctx);
    expect(result).toMatchObject({ action: 'none', sessions: [] });
  });
});
