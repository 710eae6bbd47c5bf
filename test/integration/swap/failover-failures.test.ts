import { mkdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realSwapLinks, type SwapLinks } from '../../../src/swap/links.js';
import { FailoverError } from '../../../src/base/core/errors.js';
import { performSwap } from '../../../src/swap/engine.js';
import { accountsRig, cli, slowTurns, dispatchTask, liveIn, linkTarget, readState, resumeFile, DEDICATED, OTHER, POOL, type AccountsRig } from '../../support/accounts.js';
import { queueFiles, waitFor } from '../../support/sessions.js';

/** The swap's failure paths: nothing is torn down for a swap that cannot work; a failed swap ends fully on the old account. */

const swapInProcess = (rig: AccountsRig, links: SwapLinks) =>
  rig.ctx.withLock('test-swap', async (lock) => performSwap(rig.ctx, await rig.ctx.state.load(), lock, { to: 'backup', reason: 'test', by: 'swap-account' }, links));

/** Both Claude Codes still run under main, as they did before: same processes. */
async function expectUntouched(rig: AccountsRig, pids: unknown[]): Promise<void> {
  expect(await linkTarget(rig)).toBe(rig.homes.main);
  expect((await readState(rig)).activeAccount).not.toBe('backup');
  const live = [...(await liveIn(rig, '.claude-main', DEDICATED)), ...(await liveIn(rig, '.claude-main', POOL))].map((e) => e.pid);
  expect(live.sort()).toEqual([...pids].sort());
  expect(await rig.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}')).toBe(rig.otherPid);
}

async function livePids(rig: AccountsRig): Promise<unknown[]> {
  return [...(await liveIn(rig, '.claude-main', DEDICATED)), ...(await liveIn(rig, '.claude-main', POOL))].map((e) => e.pid);
}

/** After a rollback: main active, the dedicated conversation resumed under main, the task back in the inbox. */
async function expectRolledBack(rig: AccountsRig, poolId: string): Promise<void> {
  expect(await linkTarget(rig)).toBe(rig.homes.main);
  const state = await readState(rig);
  expect(state).toMatchObject({ activeAccount: 'main', swapJournal: null });
  await waitFor('the dedicated conversation resumed under main', async () => (await liveIn(rig, '.claude-main', DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
  expect(await liveIn(rig, '.claude-backup', DEDICATED)).toEqual([]);
  expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
  expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);
  expect(await rig.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}')).toBe(rig.otherPid);
}

describe('swap failures', () => {
  it('a divergent link on the target home: refused with a clear error before anything is stopped (exit 1)', async () => {
    const rig = await accountsRig();
    await slowTurns(rig.homes.main);
    await dispatchTask(rig);
    const pids = await livePids(rig);
    const elsewhere = join(rig.home, 'old-transcripts');
    await mkdir(elsewhere);
    await rm(join(rig.homes.backup, 'projects'));
    await symlink(elsewhere, join(rig.homes.backup, 'projects'));

    const run = await cli(rig, ['swap-account', '--to', 'backup', '--json']);
    expect(run.exitCode).toBe(1);
    const error = JSON.parse(run.stdout).error;
    expect(error).toMatchObject({ code: 'target-links', exitCode: 1 });
    expect(error.message).toContain(`${rig.homes.backup}/projects points to ${elsewhere}`);
    expect(error.hint).toMatch(/validate-symlinks/);
    await expectUntouched(rig, pids);
    expect((await readState(rig)).swapJournal).toBeNull();
  });

  it('a real directory where ~/.claude belongs: "needs migration", nothing changed', async () => {
    const rig = await accountsRig();
    const pids = await livePids(rig);
    await rm(rig.activeLink);
    await mkdir(rig.activeLink);
    const run = await cli(rig, ['swap-account', '--json']);
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'needs-migration' });
    expect((await liveIn(rig, '.claude-main', DEDICATED)).map((e) => e.pid)).toEqual(pids);
  });

  it('the target links fail after the flip: rolled back to main, sessions resumed there (exit 1)', async () => {
    const rig = await accountsRig();
    await slowTurns(rig.homes.main);
    const poolId = await dispatchTask(rig);
    const failing: SwapLinks = { ...realSwapLinks, ensure: async () => { throw new Error('the shared root is on a disk that just went read-only'); } };

    const error = await swapInProcess(rig, failing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailoverError);
    expect(error).toMatchObject({ code: 'swap-rolled-back', exitCode: 1, message: expect.stringContaining('went read-only') });
    await expectRolledBack(rig, poolId);
    expect((await readState(rig)).partialSwap).toBeNull();
  });

  it('the rollback fails too: partial-swap flag, exit 3, every swap refused until --clear-partial', async () => {
    const rig = await accountsRig();
    await slowTurns(rig.homes.main);
    const poolId = await dispatchTask(rig);
    // After the flip, something puts a real directory where the link was: pointing it back must fail.
    const sabotage: SwapLinks = {
      ...realSwapLinks,
      ensure: async () => {
        await rename(rig.activeLink, join(rig.home, 'moved-link'));
        await mkdir(rig.activeLink);
        throw new Error('target links broke');
      },
    };
    const error = await swapInProcess(rig, sabotage).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'partial-swap', exitCode: 3 });
    const state = await readState(rig);
    expect(state.partialSwap).toMatchObject({ since: expect.any(String), reason: expect.stringMatching(/target links broke.*needs migration/) });
    expect(state.swapJournal).toBeNull();
    expect(rig.ctx.logLines.some((l) => l.message.includes('event partial-swap'))).toBe(true);
    // The sessions came back under the old account all the same (they name its home, not the link).
    await waitFor('the dedicated conversation resumed under main', async () => (await liveIn(rig, '.claude-main', DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
    expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);

    const refused = await cli(rig, ['swap-account', '--to', 'backup', '--json']);
    expect(refused.exitCode).toBe(3);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: 'partial-swap', hint: expect.stringContaining('--clear-partial') });
    const status = await cli(rig, ['status', '--json']);
    expect(status.exitCode).toBe(3);

    // The operator repairs the link, clears the flag; swaps work again.
    await rm(rig.activeLink, { recursive: true });
    await symlink(rig.homes.main, rig.activeLink);
    const cleared = await cli(rig, ['swap-account', '--clear-partial', '--json']);
    expect(cleared.exitCode, cleared.stderr).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ clearRequested: true, clearedPartial: { reason: expect.any(String) }, swap: null, activeLink: { kind: 'symlink', target: rig.homes.main } });
    expect(cleared.stderr).toMatch(/partial-swap flag cleared/);
    const swapped = await cli(rig, ['swap-account', '--to', 'backup', '--json']);
    expect(swapped.exitCode, swapped.stderr).toBe(0);
    expect(JSON.parse(swapped.stdout).swap).toMatchObject({ status: 'swapped', from: 'main', to: 'backup' });
    expect(await linkTarget(rig)).toBe(rig.homes.backup);
  });

  it('--dry-run shows the target and what would be stopped, and changes nothing', async () => {
    const rig = await accountsRig();
    await slowTurns(rig.homes.main);
    const poolId = await dispatchTask(rig);
    const pids = await livePids(rig);
    const run = await cli(rig, ['swap-account', '--dry-run', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const swap = JSON.parse(run.stdout).swap;
    expect(swap).toMatchObject({ status: 'planned', from: 'main', to: 'backup' });
    expect(swap.plan).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: POOL, kind: 'pool', resumeId: poolId, task: expect.stringMatching(/a\.md\.dispatched$/) }),
      expect.objectContaining({ name: DEDICATED, kind: 'dedicated', resumeId: rig.dedicatedId, cwd: rig.project }),
    ]));
    await expectUntouched(rig, pids);
    const text = await cli(rig, ['swap-account', '--dry-run']);
    expect(text.stdout).toMatch(/would swap main → backup, stopping 2 sessions/);
  });
});
