import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as dispatch } from '../../../src/sessions/dispatch.command.js';
import { run as reconcile } from '../../../src/sessions/reconcile.command.js';
import { taskMessage } from '../../../src/queue/core/routing.js';
import { DEFAULT_MESSAGE_SUFFIX } from '../../../src/base/core/config.js';
import { addTask, makeRig, queueFiles, registryEntries, submissions, waitFor } from '../../support/sessions.js';

const tricky = [
  'Fix the "quoted" thing in it\'s place;',
  '\tindented with a tab, $HOME and $(id) and `whoami`',
  'ünïcødé 日本語 — ✓',
  'end with a semicolon;',
].join('\n');

describe('dispatch into pool sessions running the fake claude', () => {
  it('a multi-line task with quotes, $, backticks, a trailing ; and non-ASCII arrives intact and submitted', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await addTask(rig.project, 'tricky.md', `---\ntitle: tricky\npriority: critical\n---\n${tricky}\n`);
    await reconcile({ dryRun: false }, rig.ctx);

    const result = await dispatch({ dryRun: false }, rig.ctx);
    expect(result.launched).toEqual([expect.objectContaining({ session: 'ccl-auto-11', task: 'tricky.md', model: 'opus', resumed: false })]);
    expect(result.failed).toEqual([]);

    const sent = await waitFor('the submission', async () => (await submissions(rig.home)).find((s) => s.model !== null));
    // Claude Code stores a paste with tabs as four spaces; everything else is byte for byte.
    expect(sent.message).toBe(taskMessage('tricky.md', tricky, DEFAULT_MESSAGE_SUFFIX).replace(/\t/g, '    '));
    // The reply names the model Claude Code ran (the release's full id for the alias).
    expect(sent.model).toMatch(/^claude-opus-/);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['tricky.md.dispatched'] });
    const state = await rig.ctx.state.load();
    expect(state.sessions['ccl-auto-11']).toMatchObject({ state: 'working', model: 'opus', account: 'main', launch: null });
    expect(state.counters.dispatched).toBe(1);
  });

  it('10 tasks fill 10 free sessions, launched in parallel (all Claude Codes were up before the first submission)', async () => {
    const rig = await makeRig({ pool: { min: 10, max: 10 } });
    for (let i = 0; i < 10; i++) await addTask(rig.project, `t${i}.md`, `task number ${i}\n`, new Date(Date.now() - (10 - i) * 1000));
    await reconcile({ dryRun: false }, rig.ctx);

    const result = await dispatch({ dryRun: false }, rig.ctx);
    expect(result.launched).toHaveLength(10);
    expect(new Set(result.launched.map((l) => l.session)).size).toBe(10);
    // Oldest first into the lowest session numbers.
    expect(result.launched.map((l) => `${l.session}:${l.task}`)).toContain('ccl-auto-11:t0.md');

    const sent = await waitFor('10 submissions', async () => {
      const all = await submissions(rig.home);
      return all.length === 10 ? all : undefined;
    });
    const started = (await registryEntries(rig.home)).map((e) => Number(e.startedAt));
    expect(started).toHaveLength(10);
    const firstSubmission = Math.min(...sent.map((s) => Date.parse(s.timestamp)));
    // In a one-after-another dispatch the first task is submitted before the second Claude Code even starts. Here
    // at least half of them were up before any submission (not all: a loaded 2-CPU runner may start the last ones
    // after the first, which finished its own launch, submitted — launches do not wait for each other).
    expect([...started].sort((a, b) => a - b)[4]).toBeLessThan(firstSubmission);
    expect(new Set(sent.map((s) => s.message.slice(0, 7))).size).toBe(10);
  });

  it('never uses dedicated, out-of-range, prefix-alike or other sessions', async () => {
    const rig = await makeRig({ pool: { start_index: 11, min: 0, max: 2 } });
    const dedicatedProject = join(rig.home, 'conformvault');
    await mkdir(join(dedicatedProject, '.agent-queue', 'inbox'), { recursive: true });
    rig.ctx.config.pool.dedicated = [{ session: 'ccl-1-conformvault', project: dedicatedProject }];
    const bystanders = ['ccl-auto-1', 'ccl-auto-110', 'ccl-auto-13', 'ccl-1-conformvault', 'ccl-0'];
    for (const name of [...bystanders, 'ccl-auto-12']) await rig.tmux.newSession(name, { cwd: rig.home });
    for (let i = 0; i < 4; i++) await addTask(rig.project, `t${i}.md`, `task ${i}\n`);
    await addTask(dedicatedProject, 'd.md', 'dedicated project task\n');

    const result = await dispatch({ dryRun: false }, rig.ctx);
    expect(result.launched.map((l) => l.session)).toEqual(['ccl-auto-12']);
    expect(result.waiting).toBe(4);
    const panes = await rig.tmux.captureMany(bystanders);
    for (const name of bystanders) expect(panes.get(name), name).not.toMatch(/claude|CLAUDE_CONFIG_DIR/);
    const tmuxOfClaude = (await registryEntries(rig.home)).map((e) => String(e.tmux).split(':')[0]);
    expect(tmuxOfClaude).toEqual(['ccl-auto-12']);
  });

  it('with the pool at ccl-auto-1..2, the other session ccl-auto-11 is never touched', async () => {
    const rig = await makeRig({ pool: { start_index: 1, min: 1, max: 2 } });
    await rig.tmux.newSession('ccl-auto-11', { cwd: rig.home });
    await addTask(rig.project, 'a.md', 'one\n');
    await addTask(rig.project, 'b.md', 'two\n');
    const reconciled = await reconcile({ dryRun: false }, rig.ctx);
    expect(reconciled.created).toEqual(['ccl-auto-1']);
    const result = await dispatch({ dryRun: false }, rig.ctx);
    expect(result.launched.map((l) => l.session)).toEqual(['ccl-auto-1']);
    expect(await rig.tmux.capture('ccl-auto-11')).not.toContain('claude');
    expect(Object.keys((await rig.ctx.state.load()).sessions).sort()).toEqual(['ccl-auto-1']);
  });

  it('a session cooling down after a failure is skipped; a dry run changes nothing', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 } });
    await reconcile({ dryRun: false }, rig.ctx);
    await rig.ctx.withLock('test', async (lock) => {
      const state = await rig.ctx.state.load();
      state.sessions['ccl-auto-11'] = { ...state.sessions['ccl-auto-11']!, lastFail: new Date().toISOString() };
      await rig.ctx.state.save(state, lock);
    });
    await addTask(rig.project, 'a.md', 'one\n');
    const before = await readFile(rig.ctx.state.path, 'utf8');
    const dry = await dispatch({ dryRun: true }, rig.ctx);
    expect(dry.planned.map((p) => p.session)).toEqual(['ccl-auto-12']);
    expect(dry.unavailable).toEqual([{ session: 'ccl-auto-11', reason: expect.stringContaining('cooling down') }]);
    expect(await readFile(rig.ctx.state.path, 'utf8')).toBe(before);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md'] });
  });

  it('resumes with the saved UUID and consumes the resume file; an invalid file is dropped', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 } });
    const id = '0b7a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
    const transcriptDir = join(rig.home, '.claude-main', 'projects', rig.project.replace(/\//g, '-'));
    await mkdir(transcriptDir, { recursive: true });
    await writeFile(join(transcriptDir, `${id}.jsonl`), JSON.stringify({ type: 'user', message: { content: 'earlier' }, sessionId: id, timestamp: new Date(0).toISOString() }) + '\n');
    await mkdir(rig.ctx.paths.resumeDir, { recursive: true });
    await writeFile(join(rig.ctx.paths.resumeDir, 'ccl-auto-11-resume-id.txt'), `${id}\n`);
    await writeFile(join(rig.ctx.paths.resumeDir, 'ccl-auto-12-resume-id.txt'), 'not a uuid; rm -rf /\n');
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'a.md', 'one\n', new Date(Date.now() - 5000));
    await addTask(rig.project, 'b.md', 'two\n');

    const result = await dispatch({ dryRun: false }, rig.ctx);
    expect(result.launched.map((l) => [l.session, l.resumed])).toEqual([['ccl-auto-11', true], ['ccl-auto-12', false]]);
    const sent = await waitFor('2 submissions', async () => ((await submissions(rig.home)).filter((s) => s.message.startsWith('[')).length === 2 ? submissions(rig.home) : undefined));
    expect(sent.find((s) => s.message.startsWith('[a.md]'))?.sessionId).toBe(id);
    expect(sent.find((s) => s.message.startsWith('[b.md]'))?.sessionId).not.toBe(id);
    await expect(readFile(join(rig.ctx.paths.resumeDir, 'ccl-auto-11-resume-id.txt'))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(rig.ctx.paths.resumeDir, 'ccl-auto-12-resume-id.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('a launch that fails un-claims the task, counts the attempt, cools the session down; max_attempts → failed/', async () => {
    // A claude_command that never shows Claude Code's prompt.
    const rig = await makeRig({ pool: { min: 1, max: 1 }, dispatch: { claude_command: 'sleep 60 #', prompt_timeout: '1s', max_attempts: 2, session_cooldown: '1s' } });
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'a.md', 'one\n');

    const first = await dispatch({ dryRun: false }, rig.ctx);
    expect(first.launched).toEqual([]);
    expect(first.failed).toEqual([expect.objectContaining({ session: 'ccl-auto-11', attempts: 1, requeuedTo: join(rig.project, '.agent-queue', 'inbox', 'a.md'), failedTo: null })]);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md'], failed: [] });
    let state = await rig.ctx.state.load();
    expect(state.sessions['ccl-auto-11']).toMatchObject({ state: 'idle', task: null, lastFail: expect.any(String) });
    expect(state.taskAttempts[join(rig.project, '.agent-queue', 'inbox', 'a.md')]).toMatchObject({ count: 1 });
    expect(await rig.tmux.hasSession('ccl-auto-11')).toBe(true);

    expect((await dispatch({ dryRun: false }, rig.ctx)).unavailable[0]?.reason).toContain('cooling down');
    await waitFor('the cooldown to pass', async () => (await dispatch({ dryRun: true }, rig.ctx)).planned.length === 1);
    const second = await dispatch({ dryRun: false }, rig.ctx);
    expect(second.failed).toEqual([expect.objectContaining({ attempts: 2, requeuedTo: null, failedTo: expect.stringContaining('/failed/a.md') })]);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: [], failed: ['a.md'] });
    const failed = await readFile(join(rig.project, '.agent-queue', 'failed', 'a.md'), 'utf8');
    expect(failed).toMatch(/^one\n/);
    expect(failed).toContain('attempt 2 of 2: giving up');
    state = await rig.ctx.state.load();
    expect(state.taskAttempts).toEqual({});
  });
});
