import { readFile } from 'node:fs/promises';
import { FAILPOINTS } from '../../src/adapters/failpoint.js';
import { describe, expect, it } from 'vitest';
import { normalizeState } from '../../src/core/state.js';
import { cli } from '../support/accounts.js';
import { addTask, makeRig, queueFiles, registryEntries, submissionCount, waitFor, type Rig } from '../support/sessions.js';

/**
 * DESIGN §11: a kill at any named step of dispatch or reconcile, then ordinary reconcile + dispatch passes, ends
 * with every task in done/ exactly once, each submitted to Claude Code exactly once, and a valid state.
 */
const TASKS = ['a.md', 'b.md'];

async function settle(rig: Rig): Promise<void> {
  // Bounded: each round is one reconcile and one dispatch; the fake's turns take 300 ms.
  await waitFor('every task in done/', async () => {
    expect([0, 75]).toContain((await cli(rig, ['reconcile'])).exitCode);
    expect([0, 75]).toContain((await cli(rig, ['dispatch'])).exitCode);
    return (await queueFiles(rig.project)).done.length === TASKS.length;
  }, 45_000, 300);
}

async function expectCleanEnd(rig: Rig, runs: number[] = [1, 1]): Promise<void> {
  const queue = await queueFiles(rig.project);
  expect(queue).toEqual({ inbox: [], done: TASKS, failed: [] });
  for (const [i, task] of TASKS.entries()) expect(await submissionCount(rig.home, task), task).toBe(runs[i]);
  const state = normalizeState(JSON.parse(await readFile(rig.ctx.state.path, 'utf8')));
  expect(state.ok).toBe(true);
  if (!state.ok) return;
  for (const record of Object.values(state.state.sessions)) {
    expect(record.launch ?? null).toBeNull();
    expect(record.task).toBeNull();
  }
}

async function rigWithTasks(): Promise<Rig> {
  const rig = await makeRig({ pool: { min: 2, max: 2 }, dispatch: { session_cooldown: '1s' } });
  expect((await cli(rig, ['reconcile'])).exitCode).toBe(0);
  for (const task of TASKS) await addTask(rig.project, task, `do ${task}\n`);
  return rig;
}

describe('a dispatch killed at any step: reconcile finishes or undoes it', () => {
  // Every dispatch step there is: a step added later is covered without touching this test.
  it.each(FAILPOINTS.filter((name) => name.startsWith('dispatch:')))('%s', async (failpoint) => {
    const rig = await rigWithTasks();
    const killed = await cli(rig, ['dispatch'], failpoint);
    expect(killed.signal).toBe('SIGKILL');
    await settle(rig);
    await expectCleanEnd(rig);
  });
});

describe('a reconcile killed at any step: the next one finishes the job', () => {
  async function dispatchedAndFinished(): Promise<Rig> {
    const rig = await rigWithTasks();
    expect((await cli(rig, ['dispatch'])).exitCode).toBe(0);
    await waitFor('both turns to end', async () => {
      const entries = await registryEntries(rig.home);
      return entries.length === 2 && entries.every((e) => e.status === 'idle');
    });
    return rig;
  }

  it.each(['reconcile:after-finish-move', 'reconcile:after-exit'])('%s', async (failpoint) => {
    const rig = await dispatchedAndFinished();
    expect((await cli(rig, ['reconcile'], failpoint)).signal).toBe('SIGKILL');
    await settle(rig);
    await expectCleanEnd(rig);
  });

  it('reconcile:after-requeue (a session died): the task runs again, once more only', async () => {
    const rig = await rigWithTasks();
    expect((await cli(rig, ['dispatch'])).exitCode).toBe(0);
    await waitFor('both submissions', async () => (await submissionCount(rig.home, 'a.md')) === 1 && (await submissionCount(rig.home, 'b.md')) === 1);
    const state = JSON.parse(await readFile(rig.ctx.state.path, 'utf8')) as { sessions: Record<string, { task: string | null }> };
    const sessionOfA = Object.entries(state.sessions).find(([, r]) => r.task?.endsWith('a.md.dispatched'))?.[0] as string;
    await rig.tmux.killSession(sessionOfA);
    expect((await cli(rig, ['reconcile'], 'reconcile:after-requeue')).signal).toBe('SIGKILL');
    await settle(rig);
    await expectCleanEnd(rig, [2, 1]);
  });

  it('reconcile:after-create', async () => {
    const rig = await makeRig({ pool: { min: 3, max: 3 } });
    expect((await cli(rig, ['reconcile'], 'reconcile:after-create')).signal).toBe('SIGKILL');
    expect(await rig.tmux.listSessions()).toEqual(['ccl-auto-11']);
    expect((await cli(rig, ['reconcile'])).exitCode).toBe(0);
    expect((await rig.tmux.listSessions()).sort()).toEqual(['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13']);
    const state = JSON.parse(await readFile(rig.ctx.state.path, 'utf8')) as { sessions: Record<string, { state: string }> };
    expect(Object.keys(state.sessions).sort()).toEqual(['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13']);
  });
});
