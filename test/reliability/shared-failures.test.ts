import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as dispatch } from '../../src/sessions/dispatch.command.js';
import { run as reconcile } from '../../src/sessions/reconcile.command.js';
import { expectSound, type World } from '../support/invariants.js';
import { addTask, makeRig, queueFiles, registryEntries, submissionCount, waitFor, type Rig } from '../support/sessions.js';

/**
 * Failures that are not the task's: the tmux server going away takes every session at once. That is no failed
 * attempt of any task and no reason to cool a session down; three restarts in a row must not send a task to
 * failed/ (max_attempts is 3).
 */

const POOL = ['ccl-auto-11', 'ccl-auto-12'];

async function turns(rig: Rig, turnMs: number): Promise<void> {
  await writeFile(join(rig.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ turnMs }));
}

async function launchBoth(rig: Rig, round: number): Promise<void> {
  expect((await dispatch({ dryRun: false }, rig.ctx)).launched.map((l) => l.task).sort()).toEqual(['a.md', 'b.md']);
  await waitFor('both submissions', async () => (await submissionCount(rig.home, 'a.md')) === round && (await submissionCount(rig.home, 'b.md')) === round);
}

describe('the tmux server restarted under running tasks', () => {
  it('three restarts: no attempt counted, no session cooling down, nothing in failed/; the tasks then run to done/', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 }, dispatch: { session_cooldown: '1h' } });
    const world: World = {
      home: rig.home,
      projects: [rig.project],
      tasks: [{ project: rig.project, name: 'a.md' }, { project: rig.project, name: 'b.md' }],
      statePath: rig.ctx.state.path,
      // A turn the server took down is typed again: at-least-once, as for a session that died.
      atLeastOnce: new Set(['a.md', 'b.md']),
    };
    await turns(rig, 600_000);
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'a.md', 'do a.md\n', new Date(Date.now() - 2000));
    await addTask(rig.project, 'b.md', 'do b.md\n');
    for (let round = 1; round <= 3; round++) {
      await launchBoth(rig, round);
      await rig.tmux.killServer();
      await waitFor('the Claude Codes to exit', async () => (await registryEntries(rig.home)).length === 0);
      // The second time something else starts a server first (an operator's session): another server, same verdict.
      if (round === 2) await rig.tmux.newSession('ccl-0', { cwd: rig.home });

      const result = await reconcile({ dryRun: false }, rig.ctx);
      expect(result.requeued).toEqual([]);
      expect(result.ownership.vanished?.reason).toBe(round === 2 ? 'the tmux server was restarted' : 'all 2 sessions vanished at once');
      expect(result.ownership.vanished?.tasks.map((t) => t.task).sort()).toEqual(['a.md', 'b.md']);
      const state = await rig.ctx.state.load();
      expect(state.taskAttempts).toEqual({});
      for (const name of POOL) expect(state.sessions[name]).toMatchObject({ state: 'idle', task: null, lastFail: null });
      expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md', 'b.md'], failed: [] });
      expect((await rig.tmux.listSessions()).filter((s) => POOL.includes(s)).sort()).toEqual(POOL);
      await expectSound(world, 'state and pool faults');
    }

    await turns(rig, 200);
    await launchBoth(rig, 4);
    await waitFor('a.md and b.md in done/', async () => {
      await reconcile({ dryRun: false }, rig.ctx);
      return (await queueFiles(rig.project)).done.length === 2;
    }, 30_000, 300);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: [], done: ['a.md', 'b.md'], failed: [] });
    await expectSound(world, 'state and pool faults');
  });

  it('one pool session killed alone is still its task\'s failed attempt, with the cooldown', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 } });
    await turns(rig, 600_000);
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'a.md', 'do a.md\n', new Date(Date.now() - 2000));
    await addTask(rig.project, 'b.md', 'do b.md\n');
    await launchBoth(rig, 1);
    await rig.tmux.killSession('ccl-auto-12');

    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.ownership.vanished).toBeNull();
    expect(result.requeued).toEqual([expect.objectContaining({ session: 'ccl-auto-12', task: 'b.md', attempts: 1 })]);
    expect((await rig.ctx.state.load()).sessions['ccl-auto-12']).toMatchObject({ lastFail: expect.any(String) });
  });
});
