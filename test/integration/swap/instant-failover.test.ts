import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accountsRig, cli, dispatchTask, exhaust, linkTarget, liveIn, readState, DEDICATED, POOL } from '../../support/accounts.js';
import { checkQuotaRunsEnded } from '../../support/hooks.js';
import { queueFiles, submissionCount, waitFor } from '../../support/sessions.js';

/**
 * Failover with the tool's hooks installed and no timer: the fake Claude Code's turn ends in the usage limit, its
 * StopFailure hook records the failed turn and starts check-quota, and that run swaps the fleet to the next account.
 * Nobody else runs check-quota here.
 */
describe('instant failover through the StopFailure hook', () => {
  it('a limit in a pool session swaps every session to backup without any check-quota run by anyone else', async () => {
    const rig = await accountsRig();
    const installed = await cli(rig, ['hook', 'install', '--json']);
    expect(installed.exitCode, installed.stderr).toBe(0);
    await exhaust(rig.homes.main);
    const poolId = await dispatchTask(rig);

    await waitFor('the swap to backup', async () => (await linkTarget(rig)) === rig.homes.backup, 30_000);
    await checkQuotaRunsEnded(rig.configPath);

    const state = await readState(rig);
    expect(state.swaps).toEqual([expect.objectContaining({ from: 'main', to: 'backup', by: 'check-quota' })]);
    expect(state.accounts.main?.exhaustedUntil).toEqual(expect.any(String));
    // The hook's record of the failed turn went with the pool session the swap recreated (it speaks for no later turn).
    await expect(stat(join(rig.home, 'state', 'signals', `${POOL}.failed`))).rejects.toThrow(/ENOENT/);
    const log = await readFile(join(rig.home, 'state', 'check-quota-now.log'), 'utf8');
    expect(log).toMatch(/check-quota started by hook stop-failure \(ccl-auto-11: rate_limit\)/);
    expect(log).toMatch(/swapped main → backup/);
    // Every session back under backup: the operator's conversation resumed, the task re-queued for the pool.
    await waitFor('the dedicated conversation under backup', async () => (await liveIn(rig, '.claude-backup', DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);

    // The task resumes under backup and finishes there: sent twice in all, once into the limit (nothing ran), once
    // under backup; one swap, however many hooks and runs there were.
    expect((await cli(rig, ['dispatch'])).exitCode).toBe(0);
    await waitFor('the pool conversation resumed under backup', async () => (await liveIn(rig, '.claude-backup', POOL)).some((e) => e.sessionId === poolId));
    await waitFor('a.md done', async () => {
      await cli(rig, ['reconcile']);
      return (await queueFiles(rig.project)).done.includes('a.md');
    }, 30_000, 500);
    expect(await submissionCount(rig.home, 'a.md')).toBe(2);
    expect((await readState(rig)).swaps).toHaveLength(1);
  });
});
