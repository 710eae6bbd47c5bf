import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as dispatch } from '../../../src/sessions/dispatch.command.js';
import { run as reconcile } from '../../../src/sessions/reconcile.command.js';
import { PANE_GRACE_MS } from '../../../src/sessions/core/completion.js';
import { isShellCommand } from '../../../src/claude-code/core/screen.js';
import { addTask, makeRig, queueFiles, registryEntries, submissionCount, waitFor, type Rig } from '../../support/sessions.js';

/** Starts one task in ccl-auto-11 and returns once Claude Code (the fake) has it. */
async function startOne(rig: Rig, name = 'a.md'): Promise<void> {
  await addTask(rig.project, name, `do ${name}\n`);
  const result = await dispatch({ dryRun: false }, rig.ctx);
  expect(result.launched.map((l) => l.task)).toEqual([name]);
  await waitFor('the submission', async () => (await submissionCount(rig.home, name)) === 1);
}

const registryStatus = async (rig: Rig) => (await registryEntries(rig.home))[0]?.status;

describe('reconcile', () => {
  it('creates missing pool sessions up to min inside the range, and a second run changes nothing', async () => {
    const rig = await makeRig({ pool: { min: 3, max: 4 } });
    await rig.tmux.newSession('ccl-auto-12', { cwd: rig.home });
    await rig.tmux.newSession('ccl-auto-1', { cwd: rig.home });
    const first = await reconcile({ dryRun: false }, rig.ctx);
    expect(first.created).toEqual(['ccl-auto-11', 'ccl-auto-13']);
    expect((await rig.tmux.listSessions()).sort()).toEqual(['ccl-auto-1', 'ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13']);

    const saved = await stat(rig.ctx.state.path);
    const second = await reconcile({ dryRun: false }, rig.ctx);
    expect(second).toMatchObject({ created: [], finished: [], requeued: [], stalled: [], recovered: [], released: [] });
    expect((await stat(rig.ctx.state.path)).mtimeMs).toBe(saved.mtimeMs);
  });

  it('a finished task goes to done/ with its footer and the pool session is recycled with /exit', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await reconcile({ dryRun: false }, rig.ctx);
    await startOne(rig);
    await waitFor('the turn to end', async () => (await registryStatus(rig)) === 'idle');

    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.finished).toEqual([expect.objectContaining({ session: 'ccl-auto-11', task: 'a.md', evidence: 'registry', recycle: 'exited' })]);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: [], done: ['a.md'] });
    const done = await readFile(join(rig.project, '.agent-queue', 'done', 'a.md'), 'utf8');
    expect(done).toMatch(/^do a\.md\n/);
    for (const field of ['session: ccl-auto-11', 'account: main', 'model: sonnet', 'duration: ']) expect(done).toContain(field);
    expect(await rig.tmux.capture('ccl-auto-11')).toContain('Resume this session with:');
    expect(await registryEntries(rig.home)).toEqual([]);
    const state = await rig.ctx.state.load();
    expect(state.sessions['ccl-auto-11']).toMatchObject({ state: 'idle', task: null });

    const saved = (await stat(rig.ctx.state.path)).mtimeMs;
    const again = await reconcile({ dryRun: false }, rig.ctx);
    expect(again.finished).toEqual([]);
    expect((await stat(rig.ctx.state.path)).mtimeMs).toBe(saved);

    // The recycled session takes the next task.
    await startOne(rig, 'b.md');
  });

  it('without a registry (older Claude Code) the screen is the evidence: the prompt on two looks, after a grace period', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await reconcile({ dryRun: false }, rig.ctx);
    // The pool session's shell passes it on to the Claude Code that dispatch starts there.
    await rig.tmux.sendLine('ccl-auto-11', 'export FAKE_CLAUDE_NO_REGISTRY=1');
    await startOne(rig);
    expect(await registryEntries(rig.home)).toEqual([]);
    await waitFor('the turn to end on screen', async () => (await rig.tmux.capture('ccl-auto-11')).includes('Cogitated for'));
    const submittedAt = Date.parse(String((await rig.ctx.state.load()).sessions['ccl-auto-11']?.submittedAt));
    const realNow = rig.ctx.clock.now;
    // Before the grace period the screen is not trusted; after it, two looks at the prompt finish the task.
    rig.ctx.clock = { ...rig.ctx.clock, now: () => new Date(submittedAt + PANE_GRACE_MS - 500) };
    expect((await reconcile({ dryRun: false }, rig.ctx)).finished).toEqual([]);
    rig.ctx.clock = { ...rig.ctx.clock, now: () => new Date(Math.max(realNow().getTime(), submittedAt + PANE_GRACE_MS)) };
    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.finished).toEqual([expect.objectContaining({ task: 'a.md', evidence: 'pane', recycle: 'exited' })]);
  });

  it('a running task is left alone; past idle_timeout with an unchanged pane it is stalled', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 }, turnMs: 600_000, completion: { idle_timeout: '1m' } });
    await reconcile({ dryRun: false }, rig.ctx);
    await startOne(rig);
    await waitFor('busy', async () => (await registryStatus(rig)) === 'busy');

    const first = await reconcile({ dryRun: false }, rig.ctx);
    expect(first).toMatchObject({ finished: [], stalled: [], requeued: [] });
    const recorded = (await rig.ctx.state.load()).sessions['ccl-auto-11'];
    expect(recorded).toMatchObject({ state: 'working', paneDigest: expect.any(String), paneChangedAt: expect.any(String) });

    const realNow = rig.ctx.clock.now;
    rig.ctx.clock = { ...rig.ctx.clock, now: () => new Date(realNow().getTime() + 61_000) };
    const later = await reconcile({ dryRun: false }, rig.ctx);
    expect(later.stalled).toEqual([expect.objectContaining({ session: 'ccl-auto-11', task: 'a.md' })]);
    expect((await rig.ctx.state.load()).sessions['ccl-auto-11']).toMatchObject({ state: 'stalled', task: expect.stringContaining('a.md.dispatched') });
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md.dispatched'], done: [] });
  });

  it('a killed session: task re-queued with its attempt counted, lastFail set, session recreated and cooling down', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 }, turnMs: 600_000 });
    await reconcile({ dryRun: false }, rig.ctx);
    await startOne(rig);
    await rig.tmux.killSession('ccl-auto-11');

    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.requeued).toEqual([expect.objectContaining({ session: 'ccl-auto-11', task: 'a.md', attempts: 1, requeuedTo: join(rig.project, '.agent-queue', 'inbox', 'a.md') })]);
    expect(await rig.tmux.hasSession('ccl-auto-11')).toBe(true);
    const state = await rig.ctx.state.load();
    expect(state.sessions['ccl-auto-11']).toMatchObject({ state: 'idle', task: null, lastFail: expect.any(String) });
    expect(state.taskAttempts[join(rig.project, '.agent-queue', 'inbox', 'a.md')]).toMatchObject({ count: 1 });
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md'] });
    expect((await dispatch({ dryRun: false }, rig.ctx)).launched).toEqual([]);
  });

  it('Claude Code exiting on its own while working counts as died (the shell is back, no registry entry)', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 }, turnMs: 600_000 });
    await reconcile({ dryRun: false }, rig.ctx);
    await startOne(rig);
    const [entry] = await registryEntries(rig.home);
    process.kill(Number(entry?.pid), 'SIGTERM');
    await waitFor('the fake to exit', async () => (await registryEntries(rig.home)).length === 0);
    // Its registry file goes a moment before the process: wait until the shell is back in the foreground.
    await waitFor('the shell in the foreground', async () => isShellCommand(await rig.tmux.displayMessage('=ccl-auto-11:', '#{pane_current_command}')));

    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.requeued).toEqual([expect.objectContaining({ task: 'a.md', reason: expect.stringContaining('no longer running'), attempts: 1 })]);
  });

  it('a turn that ended in a usage limit is not done: the task stays dispatched for check-quota / swap', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await writeFile(join(rig.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ limitNextTurn: true, resetsAt: Math.floor(Date.now() / 1000) + 3600 }));
    await reconcile({ dryRun: false }, rig.ctx);
    await startOne(rig);
    await waitFor('the limit screen', async () => (await rig.tmux.capture('ccl-auto-11')).includes('Usage limit reached'));
    await waitFor('idle registry', async () => (await registryStatus(rig)) === 'idle');

    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.limited).toEqual([expect.objectContaining({ session: 'ccl-auto-11', task: 'a.md' })]);
    expect(result.finished).toEqual([]);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md.dispatched'], done: [] });
  });

  it('a dedicated session is only marked idle on its signal: no /exit, no task', async () => {
    const rig = await makeRig({ pool: { min: 0, max: 1 } });
    const dedicatedProject = join(rig.home, 'conformvault');
    await mkdir(dedicatedProject, { recursive: true });
    rig.ctx.config.pool.dedicated = [{ session: 'ccl-1-conformvault', project: dedicatedProject }];
    await rig.tmux.newSession('ccl-1-conformvault', { cwd: dedicatedProject });
    await rig.ctx.withLock('test', async (lock) => {
      const state = await rig.ctx.state.load();
      state.sessions['ccl-1-conformvault'] = { state: 'working', task: null, project: dedicatedProject, since: new Date().toISOString(), lastFail: null, attempts: 0 };
      await rig.ctx.state.save(state, lock);
    });
    await mkdir(rig.ctx.paths.signalsDir, { recursive: true });
    await writeFile(join(rig.ctx.paths.signalsDir, 'ccl-1-conformvault.done'), JSON.stringify({ at: new Date().toISOString() }));

    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.released).toEqual([{ session: 'ccl-1-conformvault', reason: expect.stringContaining('dedicated') }]);
    expect((await rig.ctx.state.load()).sessions['ccl-1-conformvault']).toMatchObject({ state: 'idle' });
    expect(await rig.tmux.capture('ccl-1-conformvault')).not.toContain('/exit');
    await expect(stat(join(rig.ctx.paths.signalsDir, 'ccl-1-conformvault.done'))).rejects.toThrow(/ENOENT/);
  });

  it('--dry-run judges but changes nothing', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await reconcile({ dryRun: false }, rig.ctx);
    await startOne(rig);
    await waitFor('the turn to end', async () => (await registryStatus(rig)) === 'idle');
    const before = await readFile(rig.ctx.state.path, 'utf8');
    const dry = await reconcile({ dryRun: true }, rig.ctx);
    expect(dry.finished).toEqual([expect.objectContaining({ task: 'a.md', movedTo: null })]);
    expect(await readFile(rig.ctx.state.path, 'utf8')).toBe(before);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md.dispatched'], done: [] });
  });
});
