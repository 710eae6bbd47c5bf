import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { accountsRig, cli, dispatchTask, linkTarget, readState, POOL, type AccountsRig } from '../../support/accounts.js';
import { testConfigYaml } from '../../support/context.js';
import { queueFiles, waitFor } from '../../support/sessions.js';

/**
 * A failed login end to end, with the built CLI, real tmux, two account homes and the fake Claude Code: a 401 on
 * main marks main login-failed (one account-login-failed event), check-quota swaps to backup at once, the task
 * resumes there without an attempt counted and completes with backup in its footer; main's mark clears once its
 * credentials are written again.
 */
async function events(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function withNotify(rig: AccountsRig): Promise<string> {
  const file = join(rig.home, 'events.jsonl');
  rig.configOverrides.notify = { command: `cat >> '${file}'` };
  await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
  return file;
}

describe('a failed login (401) on the active account', () => {
  it('marks it, notifies once, swaps at once, and the task completes under the next account', async () => {
    const rig = await accountsRig();
    const file = await withNotify(rig);
    await writeFile(join(rig.homes.main, 'fake-claude-control.json'), JSON.stringify({ mode: 'expired-login', turnMs: 200 }));
    await writeFile(join(rig.homes.main, '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-login-secret', expiresAt: Date.now() - 60_000 } }));
    await utimes(join(rig.homes.main, '.credentials.json'), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    await dispatchTask(rig);
    await waitFor('the 401 on screen', async () => (await rig.tmux.capture(POOL)).includes('Please run /login'));

    // reconcile never files it in done/ and leaves it for check-quota.
    const reconciled = await waitFor('reconcile to see the failed login', async () => {
      const run = await cli(rig, ['reconcile', '--json']);
      expect(run.exitCode, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout) as { finished: unknown[]; loginFailed: Array<Record<string, unknown>> };
      expect(result.finished).toEqual([]);
      return result.loginFailed.length > 0 ? result : undefined;
    }, 20_000, 500);
    expect(reconciled.loginFailed).toEqual([expect.objectContaining({ session: POOL, task: 'a.md', message: expect.stringContaining('Please run /login') })]);

    const run = await cli(rig, ['check-quota', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ account: 'main', action: 'swap', exhaustedUntil: null, loginFailure: { session: POOL }, swap: { status: 'done', report: { from: 'main', to: 'backup' } } });
    expect(`${run.stdout}${run.stderr}`).not.toContain('sk-ant-oat01-login-secret');
    expect(await linkTarget(rig)).toBe(rig.homes.backup);
    const state = await readState(rig);
    expect(state.accounts.main).toMatchObject({ exhaustedUntil: null, loginFailedAt: expect.any(String), loginFailure: { session: POOL, message: expect.stringContaining('401') } });
    // Back to pending without an attempt counted, as after a usage limit.
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
    expect(state.taskAttempts).toEqual({});
    expect(await events(file)).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'account-login-failed', account: 'main', session: POOL, message: expect.stringContaining('/login') })]));

    // The same failure seen again raises no second event, and swaps nothing more (the evidence predates the swap).
    const again = JSON.parse((await cli(rig, ['check-quota', '--json'])).stdout);
    expect(again).toMatchObject({ account: 'backup', action: 'none' });
    expect((await events(file)).filter((e) => e.event === 'account-login-failed')).toHaveLength(1);

    // doctor says what to do.
    const doctor = await cli(rig, ['doctor']);
    expect(doctor.stdout).toMatch(/login failed since/);
    expect(doctor.stdout).toContain(`CLAUDE_CONFIG_DIR=${rig.homes.main} claude, then /login`);

    // The task resumes under backup and completes there.
    expect((await cli(rig, ['dispatch'])).exitCode).toBe(0);
    await waitFor('a.md filed in done/', async () => {
      expect((await cli(rig, ['reconcile'])).exitCode).toBe(0);
      return (await queueFiles(rig.project)).done.includes('a.md');
    }, 30_000, 500);
    const done = await readFile(join(rig.project, '.agent-queue', 'done', 'a.md'), 'utf8');
    expect(done).toContain('account: backup');
    expect(readPane(await rig.tmux.capture(POOL)).limitBanner).toBe(false);

    // Someone logs in to main again: its credentials are written after the failure, and the mark clears.
    expect((await readState(rig)).accounts.main?.loginFailedAt).toEqual(expect.any(String));
    await writeFile(join(rig.homes.main, '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-new-secret', expiresAt: Date.now() + 3_600_000 } }));
    expect((await cli(rig, ['check-quota'])).exitCode).toBe(0);
    expect((await readState(rig)).accounts.main).toMatchObject({ loginFailedAt: null, loginFailure: null });
  });
});
