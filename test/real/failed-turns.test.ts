import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cli, linkTarget, readState, POOL } from '../support/accounts.js';
import { testConfigYaml } from '../support/context.js';
import { addTask, queueFiles } from '../support/sessions.js';
import { waitFor } from '../support/wait.js';
import { startFleet, stopFleet, type RealFleet } from './harness/fleet.js';
import { cliJson, diagnostics, reconcileUntilDone, turnsOf, waitShowing } from './harness/scenario.js';

/**
 * Turns that end in an API error that is no usage limit, on real Claude Code releases: the API answers main's turns
 * with a 400 (the task is tried again, attempt counted, and lands in failed/ with the error after max_attempts,
 * never in done/), then with a 401 (main is marked login-failed, the operator notified once, the fleet swaps to
 * backup at once, and the task completes there). The steps build on each other, in order.
 */
const MAX_ATTEMPTS = 3;

async function events(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The task in, and dispatched as soon as the pool session's cooldown allows (bounded). */
async function dispatchWhenFree(fleet: RealFleet): Promise<void> {
  await waitFor('a launch', async () => {
    // A launch that fails on a loaded machine exits 1 and is tried again: only a launch ends the wait.
    const run = await cli(fleet, ['dispatch', '--json']);
    return run.stdout.trim() !== '' && (JSON.parse(run.stdout) as { launched: unknown[] }).launched.length > 0;
  }, 60_000, 500);
}

describe.each(inject('claudeCodeReleases'))('Claude Code $version: failed turns', (release) => {
  let fleet: RealFleet;
  let eventsFile: string;
  beforeAll(async () => {
    fleet = await startFleet(release);
    eventsFile = join(fleet.home, 'events.jsonl');
    fleet.configOverrides.notify = { command: `cat >> '${eventsFile}'` };
    fleet.configOverrides.dispatch = { ...(fleet.configOverrides.dispatch as Record<string, unknown>), max_attempts: MAX_ATTEMPTS };
    await writeFile(fleet.configPath, testConfigYaml(fleet.home, fleet.configOverrides));
  });
  afterAll(async () => {
    if (fleet) await stopFleet(fleet);
  });

  it(`a 400 turn is retried with its attempt counted and lands in failed/ with the error after ${MAX_ATTEMPTS} attempts, never in done/`, async () => {
    fleet.standIn.setMode({ kind: 'invalid-request' }, 'main');
    await addTask(fleet.project, 'bad.md', 'Summarise the open issues.\n');
    await dispatchWhenFree(fleet);
    await waitFor('bad.md in failed/', async () => {
      const run = await cli(fleet, ['reconcile']);
      expect(run.exitCode, run.stderr).toBe(0);
      const queue = await queueFiles(fleet.project);
      expect(queue.done, `${run.stdout}\n${await diagnostics(fleet, [POOL])}`).not.toContain('bad.md');
      if (queue.failed.includes('bad.md')) return true;
      if (queue.inbox.includes('bad.md')) await cli(fleet, ['dispatch']);
      return false;
    }, 200_000, 1000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await diagnostics(fleet, [POOL])}`);
    });
    // One conversation per attempt that reached the API (a release may send a turn's request more than once; on a
    // loaded machine an attempt may also be a launch that failed, counted as well).
    const refused = turnsOf(fleet, 'bad.md', 'main').filter((t) => t.status === 400);
    const conversations = new Set(refused.map((t) => t.sessionId)).size;
    expect(conversations).toBeGreaterThanOrEqual(1);
    expect(conversations).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(turnsOf(fleet, 'bad.md').every((t) => t.status === 400)).toBe(true);
    const failed = await readFile(join(fleet.project, '.agent-queue', 'failed', 'bad.md'), 'utf8');
    expect(failed).toMatch(/API Error: 400|launch failed/);
    expect(failed).toContain(`attempt ${MAX_ATTEMPTS} of ${MAX_ATTEMPTS}`);
    const evidence = /API error \((signal|transcript|pane)\)/.exec(failed)?.[1] ?? 'a failed launch (last attempt)';
    console.info(`Claude Code ${release.version}: the 400 turn was judged failed by the ${evidence}`);
    // A failed turn says nothing against the account.
    expect((await readState(fleet)).accounts.main?.loginFailedAt ?? null).toBeNull();
  });

  it('a 401 turn marks main login-failed, notifies once, swaps to backup, and the task completes there', async () => {
    fleet.standIn.setMode({ kind: 'expired-login' }, 'main');
    await addTask(fleet.project, 'login.md', 'Summarise the open issues.\n');
    await dispatchWhenFree(fleet);
    await waitShowing(fleet, 'the 401 answer', async () => turnsOf(fleet, 'login.md', 'main').find((t) => t.status === 401), [POOL]);
    await waitShowing(fleet, 'the failed login on screen', async () => /Please run \/login/.test(await fleet.tmux.capture(POOL)), [POOL]);

    // Reconcile as its timer would (the pane is trusted only a moment after the submission): never done/.
    const reconciled = await waitFor('reconcile to see the failed login', async () => {
      const result = await cliJson<{ finished: unknown[]; loginFailed: Array<{ evidence: string }> }>(fleet, ['reconcile']);
      expect((await queueFiles(fleet.project)).done, JSON.stringify(result)).not.toContain('login.md');
      return result.loginFailed.length > 0 ? result : undefined;
    }, 30_000, 1000);
    expect(reconciled.loginFailed, JSON.stringify(reconciled)).toHaveLength(1);

    const quota = await cliJson<Record<string, unknown>>(fleet, ['check-quota']);
    const context = `${JSON.stringify(quota, null, 1)}\n${await diagnostics(fleet, [POOL])}`;
    expect(quota, context).toMatchObject({ account: 'main', action: 'swap', exhaustedUntil: null, loginFailure: { session: POOL }, swap: { status: 'done', report: { from: 'main', to: 'backup' } } });
    expect(await linkTarget(fleet)).toBe(fleet.accounts.backup.home);
    const source = (quota.sessions as Array<{ session: string; source: string | null }>).find((v) => v.session === POOL)?.source;
    console.info(`Claude Code ${release.version}: the 401 turn was judged a failed login by reconcile from the ${reconciled.loginFailed[0]?.evidence}, by check-quota from the ${source}`);
    const state = await readState(fleet);
    expect(state.accounts.main).toMatchObject({ exhaustedUntil: null, loginFailedAt: expect.any(String), loginFailure: { session: POOL, message: expect.stringMatching(/login|401/i) } });
    expect(JSON.stringify(state)).not.toContain(fleet.accounts.main.token);
    expect((await events(eventsFile)).filter((e) => e.event === 'account-login-failed')).toEqual([expect.objectContaining({ account: 'main', session: POOL })]);

    // Resumed under backup without an attempt counted, and finished there.
    expect(Object.keys(state.taskAttempts).filter((k) => k.endsWith('login.md'))).toEqual([]);
    await dispatchWhenFree(fleet);
    const done = await reconcileUntilDone(fleet, 'login.md');
    expect(done).toContain('account: backup');
    expect(turnsOf(fleet, 'login.md', 'backup').some((t) => t.status === 200)).toBe(true);
    expect((await events(eventsFile)).filter((e) => e.event === 'account-login-failed')).toHaveLength(1);
  });
});
