import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, FailoverError } from '../../src/base/core/errors.js';
import type { StateStore } from '../../src/base/state-store.js';
import { run as dispatch } from '../../src/sessions/dispatch.command.js';
import { run as reconcile } from '../../src/sessions/reconcile.command.js';
import { cli } from '../support/accounts.js';
import { expectSound, type World } from '../support/invariants.js';
import { bindReadOnly, mountSupport, remount } from '../support/mounts.js';
import { addTask, makeRig, queueFiles, registryEntries, submissionCount, waitFor, type Rig } from '../support/sessions.js';

/**
 * Reports of what did not happen: reconcile's counts and `--json` name only the moves that were made, a move a
 * read-only queue refused says EROFS with the path and the fix, and a reconcile whose moves were made but whose
 * state could not be saved is not followed by a run that re-queues those tasks or cools their sessions down.
 */
const cannotMount = await mountSupport();
if (cannotMount) console.warn(`queue-fault tests skipped: ${cannotMount}`);

function worldOf(rig: Rig, names: string[]): World {
  return { home: rig.home, projects: [rig.project], tasks: names.map((name) => ({ project: rig.project, name })), statePath: rig.ctx.state.path };
}

/** Two tasks whose turns have ended: the next reconcile finishes both. */
async function twoFinishedTurns(rig: Rig): Promise<void> {
  await reconcile({ dryRun: false }, rig.ctx);
  await addTask(rig.project, 'a.md', 'do a.md\n', new Date(Date.now() - 2000));
  await addTask(rig.project, 'b.md', 'do b.md\n');
  expect((await dispatch({ dryRun: false }, rig.ctx)).launched).toHaveLength(2);
  await waitFor('both turns to end', async () => {
    const entries = await registryEntries(rig.home);
    return entries.length === 2 && entries.every((e) => e.status === 'idle') && (await submissionCount(rig.home, 'b.md')) === 1;
  });
}

describe.skipIf(cannotMount !== null)('a read-only queue', () => {
  it('reconcile reports no task finished, names EROFS, the path and the fix; once writable both finish', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 } });
    const world = worldOf(rig, ['a.md', 'b.md']);
    await twoFinishedTurns(rig);
    const queue = join(rig.project, '.agent-queue');
    await bindReadOnly(queue);

    const run = await cli(rig, ['reconcile', '--json']);
    expect(run.exitCode, run.stderr).toBe(1);
    const json = JSON.parse(run.stdout) as { finished: unknown[]; requeued: unknown[]; errors: Array<{ message: string; hint?: string }> };
    expect(json.finished).toEqual([]);
    expect(json.requeued).toEqual([]);
    expect(json.errors).toHaveLength(2);
    for (const error of json.errors) {
      expect(error.message).toMatch(new RegExp(`^cannot move ${join(queue, 'inbox')}/[ab]\\.md\\.dispatched to ${queue}/done/: the filesystem is read-only \\(EROFS\\)$`));
      expect(error.hint).toContain(`make the filesystem of ${queue} writable again (\`findmnt -T ${queue}\``);
    }
    const text = await cli(rig, ['reconcile']);
    expect(text.stdout).toMatch(/^0 tasks finished, 0 re-queued/);
    expect(text.stdout).not.toMatch(/ENOENT/);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md.dispatched', 'b.md.dispatched'], done: [] });

    await remount(queue, 'rw');
    const after = await reconcile({ dryRun: false }, rig.ctx);
    expect(after.finished.map((f) => f.task).sort()).toEqual(['a.md', 'b.md']);
    expect(after.errors).toEqual([]);
    await expectSound(world, 'state and pool faults');
  });
});

describe('a reconcile whose moves were made but whose state was not saved', () => {
  it('the next run re-queues nothing, cools no session down and recreates none; the sessions take work at once', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 }, dispatch: { session_cooldown: '1h' } });
    const world = worldOf(rig, ['a.md', 'b.md']);
    await twoFinishedTurns(rig);
    const panes = async () => Promise.all(['ccl-auto-11', 'ccl-auto-12'].map((s) => rig.tmux.displayMessage(`=${s}:`, '#{pane_pid}')));
    const before = await panes();
    const store = rig.ctx.state;
    const refusing: StateStore = {
      path: store.path,
      load: (lock) => store.load(lock),
      save: async () => {
        throw new FailoverError(ExitCode.failed, 'read-only', `cannot write ${store.path}: the filesystem is read-only (EROFS)`);
      },
    };
    rig.ctx.state = refusing;
    await expect(reconcile({ dryRun: false }, rig.ctx)).rejects.toThrow(/EROFS/);
    rig.ctx.state = store;
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: [], done: ['a.md', 'b.md'] });

    const next = await reconcile({ dryRun: false }, rig.ctx);
    expect(next.requeued).toEqual([]);
    expect(next.finished).toEqual([]);
    expect(next.released.map((r) => r.session).sort()).toEqual(['ccl-auto-11', 'ccl-auto-12']);
    const state = await store.load();
    for (const name of ['ccl-auto-11', 'ccl-auto-12']) expect(state.sessions[name]).toMatchObject({ state: 'idle', task: null, lastFail: null });
    expect(state.taskAttempts).toEqual({});
    expect(await panes()).toEqual(before);
    await expectSound(world, 'state and pool faults');

    await addTask(rig.project, 'c.md', 'do c.md\n');
    world.tasks.push({ project: rig.project, name: 'c.md' });
    expect((await dispatch({ dryRun: false }, rig.ctx)).launched.map((l) => l.task)).toEqual(['c.md']);
  });
});
