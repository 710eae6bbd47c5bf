import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyState } from '../../src/base/core/state.js';
import { isAtPrompt, readPane } from '../../src/claude-code/core/screen.js';
import { run as dispatch } from '../../src/sessions/dispatch.command.js';
import { run as reconcile } from '../../src/sessions/reconcile.command.js';
import { claudeFailover } from '../support/cli.js';
import { expectSound, type World } from '../support/invariants.js';
import { FAKE_CLAUDE, addTask, makeRig, queueFiles, registryEntries, submissionCount, waitFor, type Rig } from '../support/sessions.js';

/**
 * A state file lost, emptied, corrupt or replaced while tasks run: the queue's files are the record, and reconcile
 * rebuilds the state from them. A claim no record holds is re-owned by the session whose conversation carries the
 * task's message, or given back; a Claude Code nothing explains is recycled once idle. A state file of a newer
 * version is refused and left as it is.
 */

const POOL = ['ccl-auto-11', 'ccl-auto-12'];

function worldOf(rig: Rig, names: string[]): World {
  return { home: rig.home, projects: [rig.project], tasks: names.map((name) => ({ project: rig.project, name })), statePath: rig.ctx.state.path };
}

/** Two tasks running, one in each pool session. */
async function twoRunning(rig: Rig): Promise<void> {
  await reconcile({ dryRun: false }, rig.ctx);
  await addTask(rig.project, 'a.md', 'do a.md\n', new Date(Date.now() - 2000));
  await addTask(rig.project, 'b.md', 'do b.md\n');
  expect((await dispatch({ dryRun: false }, rig.ctx)).launched.map((l) => l.task).sort()).toEqual(['a.md', 'b.md']);
  await waitFor('both submissions', async () => (await submissionCount(rig.home, 'a.md')) === 1 && (await submissionCount(rig.home, 'b.md')) === 1);
}

/** reconcile and dispatch, as the timers run them, until every named task is in done/ (bounded). */
async function settle(rig: Rig, names: string[]): Promise<void> {
  await waitFor(`${names.join(', ')} in done/`, async () => {
    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.errors).toEqual([]);
    await dispatch({ dryRun: false }, rig.ctx);
    const done = (await queueFiles(rig.project)).done;
    return names.every((name) => done.includes(name));
  }, 45_000, 300);
}

/** Runs `work` with the clock past the launch window (a claim's change time cannot be set back). */
async function later<T>(rig: Rig, work: () => Promise<T>): Promise<T> {
  const clock = rig.ctx.clock;
  rig.ctx.clock = { ...clock, now: () => new Date(clock.now().getTime() + 10 * 60_000) };
  try {
    return await work();
  } finally {
    rig.ctx.clock = clock;
  }
}

describe('a lost state', () => {
  it.each([
    ['emptied', ''],
    ['corrupt', '{"version": 1, "sessions": '],
    ['replaced by a fresh one', JSON.stringify(emptyState())],
  ])('state.json %s while two tasks run: reconcile re-owns both from their conversations, they finish, later tasks run', async (_how, text) => {
    const rig = await makeRig({ pool: { min: 2, max: 2 }, turnMs: 2500 });
    const world = worldOf(rig, ['a.md', 'b.md']);
    await twoRunning(rig);
    await writeFile(rig.ctx.state.path, text);

    const rebuilt = await reconcile({ dryRun: false }, rig.ctx);
    expect(rebuilt.ownership.adopted.map((a) => a.task).sort()).toEqual(['a.md', 'b.md']);
    expect(rebuilt.ownership.givenBack).toEqual([]);
    const state = await rig.ctx.state.load();
    const running = POOL.map((name) => state.sessions[name]?.task);
    const done = (await queueFiles(rig.project)).done;
    // Re-owned, and judged in the same run: each is still held by its session or already finished.
    for (const name of ['a.md', 'b.md']) {
      expect(running.includes(join(rig.project, '.agent-queue', 'inbox', `${name}.dispatched`)) || done.includes(name), name).toBe(true);
    }
    await expectSound(world, 'state and pool faults');

    await settle(rig, ['a.md', 'b.md']);
    await addTask(rig.project, 'c.md', 'do c.md\n');
    world.tasks.push({ project: rig.project, name: 'c.md' });
    await settle(rig, ['c.md']);
    for (const name of ['a.md', 'b.md', 'c.md']) expect(await submissionCount(rig.home, name)).toBe(1);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: [], done: ['a.md', 'b.md', 'c.md'] });
    await expectSound(world, 'state and pool faults');
  });

  it('a claim no session runs is given back, uncounted, and runs once', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    const world = worldOf(rig, ['x.md']);
    await reconcile({ dryRun: false }, rig.ctx);
    // What a lost state leaves when the session that held it was recreated meanwhile: a claim nothing holds.
    await addTask(rig.project, 'x.md.dispatched', 'do x.md\n');

    // Younger than a launch takes, it may be one under way (its message not typed yet): it waits.
    expect((await reconcile({ dryRun: false }, rig.ctx)).ownership.waiting).toEqual([
      { subject: join(rig.project, '.agent-queue', 'inbox', 'x.md.dispatched'), reason: 'claimed moments ago: a launch may still be under way' },
    ]);
    const result = await later(rig, () => reconcile({ dryRun: false }, rig.ctx));
    expect(result.ownership.givenBack).toEqual([{ task: 'x.md', project: rig.project, pending: join(rig.project, '.agent-queue', 'inbox', 'x.md'), reason: 'claimed, but no session runs it' }]);
    expect((await rig.ctx.state.load()).taskAttempts).toEqual({});
    await expectSound(world, 'state and pool faults');
    await settle(rig, ['x.md']);
    expect(await submissionCount(rig.home, 'x.md')).toBe(1);
    await expectSound(world, 'state and pool faults');
  });

  it('a Claude Code no task explains in a pool session is recycled once idle, and the session takes work again', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    const world = worldOf(rig, []);
    await reconcile({ dryRun: false }, rig.ctx);
    await rig.tmux.sendLine('ccl-auto-11', `CLAUDE_CONFIG_DIR=${join(rig.home, '.claude-main')} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
    await waitFor('its prompt', async () => isAtPrompt(readPane(await rig.tmux.capture('ccl-auto-11'))));
    await addTask(rig.project, 'y.md', 'do y.md\n');
    world.tasks.push({ project: rig.project, name: 'y.md' });
    expect((await dispatch({ dryRun: false }, rig.ctx)).launched).toEqual([]);

    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.ownership.recycled).toEqual([{ session: 'ccl-auto-11', reason: 'ran a Claude Code no task explains' }]);
    expect(await registryEntries(rig.home)).toEqual([]);
    expect((await dispatch({ dryRun: false }, rig.ctx)).launched.map((l) => l.task)).toEqual(['y.md']);
    await settle(rig, ['y.md']);
    await expectSound(world, 'state and pool faults');
  });

  it('a claim a Claude Code outside the pool runs (another scheduler on the same inbox) is left to it', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 }, turnMs: 600_000 });
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'z.md.dispatched', 'do z.md\n');
    await rig.tmux.newSession('ccl-b-1', { cwd: rig.project });
    await rig.tmux.sendLine('ccl-b-1', `CLAUDE_CONFIG_DIR=${join(rig.home, '.claude-main')} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
    await waitFor('its prompt', async () => isAtPrompt(readPane(await rig.tmux.capture('ccl-b-1'))));
    await rig.tmux.paste('ccl-b-1', '[z.md] do z.md');
    await rig.tmux.sendKeys('ccl-b-1', 'Enter');
    await waitFor('its submission', async () => (await submissionCount(rig.home, 'z.md')) === 1);

    const result = await later(rig, () => reconcile({ dryRun: false }, rig.ctx));
    expect(result.ownership).toMatchObject({
      givenBack: [],
      adopted: [],
      waiting: [{ subject: join(rig.project, '.agent-queue', 'inbox', 'z.md.dispatched'), reason: 'runs in ccl-b-1, outside this pool' }],
    });
    expect((await queueFiles(rig.project)).inbox).toEqual(['z.md.dispatched']);
  });

  it('a state file of a newer version is refused: exit 2 naming the file and both versions, the file left in place', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await reconcile({ dryRun: false }, rig.ctx);
    const text = JSON.stringify({ version: 99, accounts: { main: { exhaustedUntil: '2099-01-01T00:00:00Z' } } });
    await writeFile(rig.ctx.state.path, text);
    for (const command of [['reconcile'], ['dispatch'], ['status']]) {
      const run = await claudeFailover([...command, '--config', rig.configPath], { env: rig.env });
      expect(run.exitCode, command.join(' ')).toBe(2);
      expect(run.stderr).toContain(`the state file ${rig.ctx.state.path} has version 99; this build reads version 1`);
    }
    expect(await readFile(rig.ctx.state.path, 'utf8')).toBe(text);
    expect((await readdir(join(rig.ctx.state.path, '..'))).filter((name) => name.includes('corrupt'))).toEqual([]);
  });
});
