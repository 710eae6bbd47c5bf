import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as dispatch } from '../../../src/sessions/dispatch.command.js';
import { run as reconcile } from '../../../src/sessions/reconcile.command.js';
import { resumeFilePath } from '../../../src/sessions/conversations.js';
import { addTask, makeRig, queueFiles, waitFor } from '../../support/sessions.js';

/** A failed launch in dispatch: what becomes of the conversation it took, and of the other launches of the run. */
describe('dispatch: failed launches', () => {
  it('a requeued task keeps the conversation it took, reserved for it; a task sent to failed/ leaves none behind', async () => {
    // A claude_command that never shows Claude Code's prompt: every launch fails.
    const rig = await makeRig({ pool: { min: 1, max: 1 }, dispatch: { claude_command: 'sleep 60 #', prompt_timeout: '1s', max_attempts: 2, session_cooldown: '1s' } });
    await reconcile({ dryRun: false }, rig.ctx);
    const pending = await addTask(rig.project, 'a.md', 'one\n');
    const id = randomUUID();
    await mkdir(rig.ctx.paths.resumeDir, { recursive: true });
    await writeFile(resumeFilePath(rig.ctx, 'ccl-auto-11'), `${id}\n`);

    const first = await dispatch({ dryRun: false }, rig.ctx);
    expect(first.failed).toEqual([expect.objectContaining({ session: 'ccl-auto-11', task: 'a.md', attempts: 1, requeuedTo: pending })]);
    expect((await readFile(resumeFilePath(rig.ctx, 'ccl-auto-11'), 'utf8')).trim()).toBe(id);
    expect((await rig.ctx.state.load()).sessions['ccl-auto-11']).toMatchObject({ state: 'idle', resumeFor: pending });

    await waitFor('the cooldown to pass', async () => (await dispatch({ dryRun: true }, rig.ctx)).planned.length === 1);
    const second = await dispatch({ dryRun: false }, rig.ctx);
    expect(second.failed).toEqual([expect.objectContaining({ attempts: 2, requeuedTo: null, failedTo: expect.stringContaining('/failed/a.md') })]);
    // No task is left to resume that conversation: neither the file nor a reservation may outlive it.
    await expect(readFile(resumeFilePath(rig.ctx, 'ccl-auto-11'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await rig.ctx.state.load()).sessions['ccl-auto-11']).toMatchObject({ state: 'idle', task: null });
    expect((await rig.ctx.state.load()).sessions['ccl-auto-11']?.resumeFor).toBeUndefined();
  });

  it('undoing one failed launch throws: the other launches of the run are still recorded, and reconcile finishes the rest', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 }, dispatch: { max_attempts: 1 } });
    await reconcile({ dryRun: false }, rig.ctx);
    const inbox = join(rig.project, '.agent-queue', 'inbox');
    await addTask(rig.project, 'a.md', 'one\n', new Date(Date.now() - 60_000));
    await addTask(rig.project, 'b.md', 'two\n');
    // ccl-auto-12 (which gets b.md) resumes a conversation no home knows: its launch fails, its one attempt is used
    // up, and moving b.md to failed/ throws, because a file sits where failed/ belongs.
    const unknown = randomUUID();
    await mkdir(rig.ctx.paths.resumeDir, { recursive: true });
    await writeFile(resumeFilePath(rig.ctx, 'ccl-auto-12'), `${unknown}\n`);
    const failedDir = join(rig.project, '.agent-queue', 'failed');
    await writeFile(failedDir, 'not a directory\n');

    const result = await dispatch({ dryRun: false }, rig.ctx);
    expect(result.launched).toEqual([expect.objectContaining({ session: 'ccl-auto-11', task: 'a.md' })]);
    expect(result.failed).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ task: 'b.md', message: expect.stringContaining('undoing the failed launch in ccl-auto-12 failed') })]);
    const state = await rig.ctx.state.load();
    expect(state.counters.dispatched).toBe(1);
    expect(state.sessions['ccl-auto-11']).toMatchObject({ state: 'working', task: `${inbox}/a.md.dispatched`, launch: null, submittedAt: expect.any(String) });
    // The session whose undo failed keeps its launch intent: reconcile finishes it from what is on disk.
    expect(state.sessions['ccl-auto-12']).toMatchObject({ state: 'working', task: `${inbox}/b.md.dispatched`, launch: { pending: `${inbox}/b.md`, resumeId: unknown } });
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md.dispatched', 'b.md.dispatched']);

    await rm(failedDir);
    const reconciled = await reconcile({ dryRun: false }, rig.ctx);
    expect(reconciled.errors).toEqual([]);
    expect(reconciled.recovered).toEqual([expect.objectContaining({ session: 'ccl-auto-12', task: 'b.md', action: 'requeued' })]);
    expect((await queueFiles(rig.project)).failed).toEqual(['b.md']);
    const after = await rig.ctx.state.load();
    expect(after.sessions['ccl-auto-12']).toMatchObject({ state: 'idle', task: null });
    expect(after.sessions['ccl-auto-12']?.resumeFor).toBeUndefined();
    await expect(readFile(resumeFilePath(rig.ctx, 'ccl-auto-12'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
