import { readFile, rm, symlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { accountsRig, cli, dispatchTask, exhaust, liveIn, linkTarget, readState, resumeFile, slowTurns, DEDICATED, OTHER, POOL, type AccountsRig } from '../../support/accounts.js';
import { queueFiles, submissions, waitFor } from '../../support/sessions.js';

/**
 * swap-account killed (SIGKILL) at each journaled step, then one `reconcile`: the result is fully
 * the old account or fully the new one — active link, state.activeAccount, and every session — never a mix, nothing
 * lost, nothing typed twice.
 */
type Account = 'main' | 'backup';
const other = (account: Account): Account => (account === 'main' ? 'backup' : 'main');
const dir = (account: Account) => (account === 'main' ? '.claude-main' : '.claude-backup') as '.claude-main' | '.claude-backup';

async function killedSwap(failpoint: string): Promise<{ rig: AccountsRig; poolId: string }> {
  const rig = await accountsRig();
  await slowTurns(rig.homes.main);
  await slowTurns(rig.homes.backup);
  const poolId = await dispatchTask(rig);
  const killed = await cli(rig, ['swap-account', '--to', 'backup'], failpoint);
  expect(killed.signal, killed.stderr).toBe('SIGKILL');
  expect((await readState(rig)).swapJournal).not.toBeNull();
  return { rig, poolId };
}

async function expectFullyOn(rig: AccountsRig, account: Account, poolId: string, poolNeverStopped: boolean): Promise<void> {
  expect(await linkTarget(rig)).toBe(rig.homes[account]);
  const state = await readState(rig);
  expect(state).toMatchObject({ activeAccount: account, swapJournal: null, partialSwap: null });
  expect(state.swaps.map((s) => s.to)).toEqual(account === 'backup' ? ['backup'] : []);

  // The dedicated conversation runs once, under this account only; nothing was typed into it twice.
  await waitFor(`the dedicated conversation under ${account}`, async () => (await liveIn(rig, dir(account), DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
  expect(await liveIn(rig, dir(account), DEDICATED)).toHaveLength(1);
  expect(await liveIn(rig, dir(other(account)), DEDICATED)).toEqual([]);
  expect((await submissions(rig.home)).filter((s) => s.message.includes('CLAUDE_CONFIG_DIR'))).toEqual([]);
  expect(readPane(await rig.tmux.capture(DEDICATED)).input).toBe('');
  expect(await rig.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}')).toBe(rig.otherPid);

  if (poolNeverStopped) {
    // Killed before the swap stopped anything: the task runs on where it was, and no resume file is left for it.
    expect((await liveIn(rig, '.claude-main', POOL)).map((e) => e.sessionId)).toEqual([poolId]);
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md.dispatched']);
    expect(state.sessions[POOL]).toMatchObject({ state: 'working', task: expect.stringMatching(/a\.md\.dispatched$/) });
    await expect(readFile(resumeFile(rig, POOL), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    return;
  }
  // The interrupted task is back in the inbox, and its next launch resumes its conversation under this account.
  expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
  expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);
  const dispatch = await cli(rig, ['dispatch', '--json']);
  expect(dispatch.exitCode, dispatch.stderr).toBe(0);
  await waitFor(`the pool conversation under ${account}`, async () => (await liveIn(rig, dir(account), POOL)).some((e) => e.sessionId === poolId));
  expect(await liveIn(rig, dir(other(account)), POOL)).toEqual([]);
}

describe('swap-account killed at each step: reconcile finishes or rolls it back', () => {
  it.each([
    ['swap-account:after-journal', 'main', true],
    ['swap-account:after-resume-ids', 'main', true],
    ['swap-account:after-stop', 'main', false],
    ['swap-account:after-flip', 'backup', false],
    ['swap-account:after-links', 'backup', false],
    ['swap-account:after-commit', 'backup', false],
    ['swap-account:after-pool', 'backup', false],
    ['swap-account:after-dedicated-launch', 'backup', false],
  ] as const)('%s → fully %s', async (failpoint, account, poolNeverStopped) => {
    const { rig, poolId } = await killedSwap(failpoint);
    const reconcile = await cli(rig, ['reconcile', '--json']);
    expect(reconcile.exitCode, reconcile.stderr).toBe(0);
    expect(JSON.parse(reconcile.stdout).swap).toMatchObject({ action: account === 'main' ? 'rolled-back' : 'finished' });
    await expectFullyOn(rig, account, poolId, poolNeverStopped);
    // A second reconcile has nothing left to do about the swap.
    expect(JSON.parse((await cli(rig, ['reconcile', '--json'])).stdout).swap).toEqual({ action: 'none', detail: null });
  });

  it('killed after the flip with the target broken meanwhile, and the rollback killed too: the next reconcile ends on main', async () => {
    const { rig, poolId } = await killedSwap('swap-account:after-flip');
    expect(await linkTarget(rig)).toBe(rig.homes.backup);
    const elsewhere = join(rig.home, 'elsewhere');
    await mkdir(elsewhere);
    await rm(join(rig.homes.backup, 'projects'));
    await symlink(elsewhere, join(rig.homes.backup, 'projects'));

    const interrupted = await cli(rig, ['reconcile'], 'swap-account:after-rollback-flip');
    expect(interrupted.signal).toBe('SIGKILL');
    expect((await readState(rig)).swapJournal).toMatchObject({ phase: 'rolling-back' });
    const reconcile = await cli(rig, ['reconcile', '--json']);
    expect(reconcile.exitCode, reconcile.stderr).toBe(0);
    expect(JSON.parse(reconcile.stdout).swap).toMatchObject({ action: 'rolled-back' });
    await expectFullyOn(rig, 'main', poolId, false);
  });

  it('check-quota killed after recording its detection, before swapping: the next poll swaps', async () => {
    const rig = await accountsRig();
    await exhaust(rig.homes.main);
    const poolId = await dispatchTask(rig);
    await waitFor('the limit screen', async () => readPane(await rig.tmux.capture(POOL)).limitBanner);
    expect((await cli(rig, ['check-quota'], 'check-quota:after-detection')).signal).toBe('SIGKILL');
    const marked = await readState(rig);
    expect(marked).toMatchObject({ activeAccount: null, swapJournal: null });
    expect(marked.accounts.main?.exhaustedUntil).toEqual(expect.any(String));
    expect(await linkTarget(rig)).toBe(rig.homes.main);

    const next = await cli(rig, ['check-quota', '--json']);
    expect(next.exitCode, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ action: 'swap', swap: { status: 'done', report: { to: 'backup' } } });
    await expectFullyOn(rig, 'backup', poolId, false);
  });

  it('while a killed swap is journaled, dispatch starts nothing (no task starts under the account being left)', async () => {
    const { rig } = await killedSwap('swap-account:after-stop');
    await rig.tmux.newSession(POOL, { cwd: rig.home });
    const run = await cli(rig, ['dispatch', '--json']);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).launched).toEqual([]);
    expect(run.stderr).toMatch(/interrupted swap is pending/);
  });
});
