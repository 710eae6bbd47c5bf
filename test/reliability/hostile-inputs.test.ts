import { execa } from 'execa';
import { copyFile, lstat, mkdir, open, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_SUFFIX } from '../../src/base/core/config.js';
import { isAtPrompt, readPane } from '../../src/claude-code/core/screen.js';
import { parseTask } from '../../src/queue/core/task.js';
import { cclDelegate, claudeFailover, type CliRun } from '../support/cli.js';
import { testConfigYaml, writeTestConfig } from '../support/context.js';
import { TEST_API_KEY, delegationConfig, startSecutools } from '../support/delegation.js';
import { recordFigure } from '../support/figures.js';
import { audit, expectSound, type World } from '../support/invariants.js';
import { FAKE_CLAUDE, makeRig, queueFiles, submissionCount, submissions, waitFor, type Rig } from '../support/sessions.js';
import { tempDir } from '../support/temp.js';
import { CONFIG_CASES, STATE_CASES } from './support/hostile-configs.js';
import { CONTROL_EXCEPT_NEWLINE_TAB, CORPUS_DIR, deliveredText, lastFooter, readCorpus, type HostileInput } from './support/hostile-corpus.js';
import { generateInputs, type GeneratedInput } from './support/hostile-generated.js';

/**
 * Issue 7, hostile inputs: the committed corpus (test/fixtures/hostile/, outcomes in its README) and the inputs made
 * at run time go into real inboxes beside ordinary tasks; the real CLI scans, dispatches into pool sessions running
 * the fake `claude` on a private tmux server, delegates to the fake secutools, reaps and reconciles until nothing is
 * left. Every input must end with its documented outcome, and the ordinary tasks must all complete.
 */
const ORDINARY = ['ordinary-1.md', 'ordinary-2.md', 'ordinary-3.md'];
const CONTROL_BYTES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

interface Input extends HostileInput {
  project: string;
  /** What the inbox held (null: not a regular file, or too big to keep in memory). */
  bytes: Buffer | null;
}

async function fleet(): Promise<{ rig: Rig; plain: string; env: NodeJS.ProcessEnv; stop: () => Promise<void>; server: Awaited<ReturnType<typeof startSecutools>> }> {
  const server = await startSecutools({ completeAfterMs: 0 });
  const rig = await makeRig({ pool: { min: 5, max: 5 }, turnMs: 150, dispatch: { session_cooldown: '1s' } });
  const plain = join(rig.home, 'plain');
  await mkdir(join(plain, '.agent-queue', 'inbox'), { recursive: true });
  rig.configOverrides.projects = [rig.project, plain];
  rig.configOverrides.delegation = delegationConfig(server.url);
  await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
  return { rig, plain, env: { ...rig.env, SECUTOOLS_API_KEY: TEST_API_KEY }, server, stop: () => server.stop() };
}

/** Everything a queue folder holds, hidden files aside. */
const listing = async (project: string, dir: string) => (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();

describe('hostile inputs through the real CLI', () => {
  it('every input of the corpus and every generated one gets its documented outcome; ordinary tasks complete', async () => {
    const { rig, plain, env, server, stop } = await fleet();
    const runs: CliRun[] = [];
    const cli = async (...args: string[]) => {
      const run = await claudeFailover([...args, '--json', '--config', rig.configPath], { env, timeoutMs: 45_000 });
      runs.push(run);
      expect(run.exitCode, `${args.join(' ')}: ${run.stdout.slice(0, 2000)}\n${run.stderr}`).toBe(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    try {
      const inbox = join(rig.project, '.agent-queue', 'inbox');
      const inputs: Input[] = [];
      for (const row of await readCorpus()) {
        await copyFile(join(CORPUS_DIR, row.name), join(inbox, row.name));
        inputs.push({ ...row, project: rig.project, bytes: await readFile(join(CORPUS_DIR, row.name)) });
      }
      const generated = await generateInputs(rig.home, rig.project);
      inputs.push(...generated.inputs.map((g: GeneratedInput) => ({ ...g, project: rig.project })));
      await writeFile(join(inbox, 'ordinary-0.md'), 'An ordinary task beside the hostile ones.\n');
      for (const name of ORDINARY) await writeFile(join(plain, '.agent-queue', 'inbox', name), `---\ntitle: ${name}\n---\nAn ordinary task in another project.\n`);
      const ordinary = [{ project: rig.project, name: 'ordinary-0.md' }, ...ORDINARY.map((name) => ({ project: plain, name }))];

      // What an operator reads first: the human report of a dry run (every route, every reason) on a terminal.
      const human = await claudeFailover(['scan-inbox', '--dry-run', '--config', rig.configPath], { env, timeoutMs: 45_000 });
      runs.push(human);
      expect(human.exitCode, human.stderr).toBe(0);
      expect(human.stdout).toContain('unknown preferred_ai=gpu\\x1b]52;c;dg91y2ggufdoruq=\\x07 → fail-safe');

      // One scan quarantines what is invalid and delegates what opted in; then the loop runs until nothing is left.
      const scanned = await cli('scan-inbox');
      await generated.close();
      expect((scanned.errors as unknown[])).toEqual([]);
      await waitFor('every inbox to empty', async () => {
        await cli('reconcile');
        await cli('dispatch');
        await cli('reap-delegated');
        const left = [...(await listing(rig.project, 'inbox')).filter((n) => n !== 'x.md'), ...(await listing(plain, 'inbox'))];
        return left.length === 0;
      }, 150_000, 100);
      await cli('reconcile');

      const world: World = {
        home: rig.home,
        projects: [rig.project, plain],
        tasks: [...inputs.filter((i) => i.expected.outcome !== 'ignored').map((i) => ({ project: i.project, name: i.name })), ...ordinary],
        statePath: rig.ctx.state.path,
        server,
      };
      const result = await audit(world);
      const sent = await submissions(rig.home);
      const problems: string[] = [];
      for (const input of inputs) {
        const id = join(input.project, input.name);
        const lost = result.lost.includes(id) || (input.expected.outcome === 'ignored' && !(await lstat(join(inbox, input.name)).catch(() => null))?.isDirectory());
        recordFigure('hostile inputs tried', { lost: lost ? 1 : 0, duplicated: result.duplicated.some((d) => d.startsWith(`${id} `)) ? 1 : 0 });
        problems.push(...(await outcomeProblems(input, sent, server.allJobs())).map((p) => `${JSON.stringify(input.name)} (${input.what}): ${p}`));
      }
      expect(problems).toEqual([]);
      for (const task of ordinary) expect(await listing(task.project, 'done'), task.name).toContain(task.name);

      // The symlinked file outside the project was neither read nor changed, and its text went nowhere.
      expect(await readFile(generated.outsideFile, 'utf8')).toBe(generated.outsideText);
      const secret = generated.outsideText.slice(0, 30);
      expect(sent.filter((s) => s.message.includes(secret))).toEqual([]);
      expect(server.allJobs().filter((j) => JSON.stringify(j.request).includes(secret))).toEqual([]);
      // Nothing anyone printed carries a raw control character (a name or reason from outside driving a terminal).
      for (const run of runs) expect(CONTROL_BYTES.test(run.stdout + run.stderr), run.stderr.slice(0, 300)).toBe(false);
      // The tmux server and every pool session survived: no keystroke from a task reached tmux (`C-b :kill-server`).
      expect((await rig.tmux.listSessions()).sort()).toEqual(['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13', 'ccl-auto-14', 'ccl-auto-15']);
      await expectSound(world);
    } finally {
      await stop();
    }
  }, 240_000);
});

describe('hostile configs, state files and pastes', () => {
  it('broken configs are refused with exit 2, naming the file and the key; nothing is touched', async () => {
    const home = await tempDir();
    const project = join(home, 'proj');
    await mkdir(join(project, '.agent-queue', 'inbox'), { recursive: true });
    await writeFile(join(project, '.agent-queue', 'inbox', 'pending.md'), 'Still here after every refused run.\n');
    const problems: string[] = [];
    await Promise.all(CONFIG_CASES.map(async (c, i) => {
      const path = join(home, `config-${i}.yaml`);
      const text = c.text(home, project);
      if (text === null) await mkdir(path);
      else await writeFile(path, text);
      const run = await claudeFailover(['scan-inbox', '--json', '--config', path], { env: { HOME: home } });
      const error = (JSON.parse(run.stdout) as { error?: { message: string; exitCode: number } }).error;
      const untouched = (await listing(project, 'inbox')).includes('pending.md');
      recordFigure('hostile inputs tried', { lost: untouched ? 0 : 1, duplicated: 0 });
      const message = error?.message ?? '';
      const missing = [path, ...c.says].filter((needle) => !message.includes(needle));
      if (run.exitCode !== 2 || error?.exitCode !== 2) problems.push(`${c.name}: exit ${run.exitCode}, ${run.stdout}`);
      if (missing.length > 0) problems.push(`${c.name}: the message ${JSON.stringify(message)} does not say ${JSON.stringify(missing)}`);
      if ((run.stdout + run.stderr).includes(TEST_API_KEY)) problems.push(`${c.name}: the output holds the API key`);
    }));
    expect(problems).toEqual([]);
    expect(await queueFiles(project)).toEqual({ inbox: ['pending.md'], done: [], failed: [] });
    expect(await lstat(join(home, 'state')).catch(() => null)).toBeNull();
  });

  it('a corrupt state.json is moved aside with a precise error and the run goes on (README: "Files and reliability")', async () => {
    const problems: string[] = [];
    await Promise.all(STATE_CASES.map(async (c) => {
      const home = await tempDir();
      const project = join(home, 'proj');
      await mkdir(join(project, '.agent-queue', 'inbox'), { recursive: true });
      await writeFile(join(project, '.agent-queue', 'inbox', 'pending.md'), 'Still pending.\n');
      await mkdir(join(home, 'state'), { mode: 0o700 });
      const statePath = join(home, 'state', 'state.json');
      await writeFile(statePath, c.bytes, { mode: 0o600 });
      const config = await writeTestConfig(home, { projects: [project] });
      const run = await claudeFailover(['scan-inbox', '--json', '--config', config], { env: { HOME: home } });
      const aside = (await readdir(join(home, 'state'))).filter((n) => n.startsWith('state.json.corrupt-'));
      const pending = run.exitCode === 0 ? (JSON.parse(run.stdout) as { pending: Array<{ task: string }> }).pending.map((t) => t.task) : [];
      recordFigure('hostile inputs tried', { lost: pending.includes('pending.md') ? 0 : 1, duplicated: 0 });
      const say = `state file ${statePath} is unreadable: ${c.says}`;
      if (run.exitCode !== 0) problems.push(`${c.name}: exit ${run.exitCode}: ${run.stdout} ${run.stderr}`);
      if (!run.stderr.includes(say) || !run.stderr.includes(`moved to ${statePath}.corrupt-`)) problems.push(`${c.name}: stderr ${JSON.stringify(run.stderr)} does not say ${JSON.stringify(say)} and where it went`);
      if (aside.length !== 1 || !(await readFile(join(home, 'state', aside[0] as string))).equals(c.bytes)) problems.push(`${c.name}: the original bytes were not kept aside (${JSON.stringify(aside)})`);
      const status = await claudeFailover(['status', '--json', '--config', config], { env: { HOME: home } });
      if (status.exitCode !== 0) problems.push(`${c.name}: status after the recovery exits ${status.exitCode}: ${status.stderr}`);
    }));
    expect(problems).toEqual([]);

    // A state path that is not a file at all is refused (exit 1) with the path, and left alone.
    const home = await tempDir();
    await mkdir(join(home, 'state', 'state.json'), { recursive: true });
    const config = await writeTestConfig(home, { projects: [join(home, 'proj')] });
    const run = await claudeFailover(['scan-inbox', '--json', '--config', config], { env: { HOME: home } });
    expect(run.exitCode).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ error: expect.objectContaining({ code: 'state-unreadable', message: `cannot read the state file ${join(home, 'state', 'state.json')}: EISDIR` }) });
    expect((await lstat(join(home, 'state', 'state.json'))).isDirectory()).toBe(true);
  });

  it('a state lost while a task runs: the task is kept and reported, never run twice; the rest of the pool works on', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 }, turnMs: 600_000 });
    const cli = (...args: string[]) => claudeFailover([...args, '--json', '--config', rig.configPath], { env: rig.env, timeoutMs: 45_000 });
    expect((await cli('reconcile')).exitCode).toBe(0);
    await writeFile(join(rig.project, '.agent-queue', 'inbox', 'running.md'), 'A long task.\n');
    expect((await cli('dispatch')).exitCode).toBe(0);
    await waitFor('the submission', async () => (await submissionCount(rig.home, 'running.md')) === 1);
    await writeFile(rig.ctx.state.path, '{"version":1,"sessions":{"ccl-auto-1');
    await writeFile(join(rig.project, '.agent-queue', 'inbox', 'next.md'), 'The next task.\n');

    const scanned = await cli('scan-inbox');
    expect(scanned.stderr).toContain('Tasks that were running (inbox/*.md.dispatched) are rebuilt by the next reconcile');
    expect(JSON.parse(scanned.stdout)).toMatchObject({ unknownDispatched: [{ project: rig.project, task: 'running.md' }] });
    for (const command of ['reconcile', 'dispatch', 'reconcile', 'dispatch']) expect((await cli(command)).exitCode, command).toBe(0);
    await waitFor('the next task to be submitted', async () => (await submissionCount(rig.home, 'next.md')) === 1);
    const ranTwice = (await submissionCount(rig.home, 'running.md')) !== 1;
    const kept = (await queueFiles(rig.project)).inbox.includes('running.md.dispatched');
    // Rebuilt from the queue's files: the session running it holds it again.
    expect(Object.values((await rig.ctx.state.load()).sessions).map((s) => s.task)).toContain(join(rig.project, '.agent-queue', 'inbox', 'running.md.dispatched'));
    recordFigure('hostile inputs tried', { lost: kept ? 0 : 1, duplicated: ranTwice ? 1 : 0 });
    expect({ kept, ranTwice }).toEqual({ kept: true, ranTwice: false });
  });

  it('control: the paste-end marker pasted raw would end the paste and quit Claude Code (what the corpus run proves absent)', async () => {
    const rig = await makeRig({ pool: { min: 0, max: 1 } });
    const body = await readFile(join(CORPUS_DIR, 'body-paste-end-marker.md'), 'utf8');
    await rig.tmux.newSession('raw', { cwd: rig.project });
    await rig.tmux.sendLine('raw', `CLAUDE_CONFIG_DIR=${join(rig.home, '.claude-main')} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
    await waitFor('the prompt', async () => isAtPrompt(readPane(await rig.tmux.capture('raw'))));
    // Exactly what dispatch would paste, minus sanitizeMessage.
    await rig.tmux.paste('raw', `[body-paste-end-marker.md] ${body.trim()}`);
    const sent = await waitFor('the early submission', async () => {
      const all = await submissions(rig.home);
      return all.length > 0 ? all : undefined;
    });
    expect(sent[0]?.message).toBe('[body-paste-end-marker.md] Before the marker ');
    await waitFor('Claude Code to have quit', async () => (await rig.tmux.capture('raw')).includes('Resume this session with'));
  });

  it('ccl-delegate refuses hostile files clearly and sends a control-character body byte for byte', async () => {
    const server = await startSecutools();
    try {
      const home = await tempDir();
      const config = await writeTestConfig(home, { delegation: delegationConfig(server.url) });
      const env = { HOME: home, SECUTOOLS_API_KEY: TEST_API_KEY };
      const bomb = await cclDelegate(['decide', join(CORPUS_DIR, 'alias-bomb.md')], { env });
      expect(bomb).toMatchObject({ exitCode: 1, stdout: '' });
      expect(bomb.stderr).toContain('Excessive alias count');
      expect((await cclDelegate(['decide', join(CORPUS_DIR, 'proto-pollution.md')], { env })).stdout).toMatch(/^claude-code\n/);
      await execa('mkfifo', [join(home, 'pipe.md')], { timeout: 5000 });
      const fifo = await cclDelegate(['decide', join(home, 'pipe.md')], { env, timeoutMs: 10_000 });
      expect(fifo).toMatchObject({ exitCode: 1, signal: undefined });
      expect(fifo.stderr).toContain('not a regular file');

      const file = join(CORPUS_DIR, 'delegate-control-chars.md');
      const submitted = await cclDelegate(['submit', file, '--config', config], { env });
      expect(submitted.exitCode, submitted.stderr).toBe(0);
      const job = server.job(submitted.stdout.trim());
      const parsed = parseTask(await readFile(file, 'utf8'));
      expect(parsed.ok && job?.request.prompt === parsed.task.body.trim()).toBe(true);
      expect(job?.request).toMatchObject({ provider: 'gemini' });
    } finally {
      await server.stop();
    }
  });
});

/** How one input's outcome differs from the documented one; [] when it matches. */
async function outcomeProblems(input: Input, sent: Awaited<ReturnType<typeof submissions>>, jobs: ReturnType<Awaited<ReturnType<typeof startSecutools>>['allJobs']>): Promise<string[]> {
  const queue = join(input.project, '.agent-queue');
  const ran = sent.filter((s) => s.message.startsWith(`[${input.name}]`));
  const delegatedJobs = jobs.filter((j) => (j.request.metadata as { task?: string }).task === input.name);
  const problems: string[] = [];
  const expected = input.expected;
  if (expected.outcome === 'ignored') {
    const info = await lstat(join(queue, 'inbox', input.name)).catch(() => null);
    if (!info?.isDirectory()) problems.push('the directory was not left in place');
    return problems;
  }
  const dir = expected.outcome === 'failed' ? 'failed' : 'done';
  const path = join(queue, dir, input.name);
  const tail = await readTail(path);
  if (tail === null) return [`not in ${dir}/ (done: ${(await readdir(join(queue, 'done')).catch(() => [])).length} files)`];
  const footer = lastFooter(tail);
  if (footer?.outcome !== dir) problems.push(`its last footer is ${footer ? footer.outcome : 'missing'}, expected ${dir}`);
  if (input.bytes !== null && !(await startsWith(path, input.bytes))) problems.push(`${dir}/ does not start with the original text`);
  if (input.bytes !== null && (await readFile(path)).length === input.bytes.length) problems.push('no footer was appended after the original text');

  if (expected.outcome === 'failed') {
    if (!footer?.fields.reason?.includes(expected.reason)) problems.push(`reason ${JSON.stringify(footer?.fields.reason)} does not say ${JSON.stringify(expected.reason)}`);
    if (ran.length + delegatedJobs.length > 0) problems.push(`it ran (${ran.length} local, ${delegatedJobs.length} delegated)`);
    return problems;
  }
  const parsed = parseTask((input.bytes as Buffer).toString('utf8'));
  if (!parsed.ok) return [...problems, `the test cannot parse it: ${parsed.reason}`];
  if (expected.outcome === 'delegated') {
    if (ran.length !== 0) problems.push(`it also ran locally ${ran.length} times`);
    if (delegatedJobs.length !== 1) problems.push(`${delegatedJobs.length} platform jobs, expected 1`);
    else if (delegatedJobs[0]?.request.prompt !== parsed.task.body.trim()) problems.push(`the prompt sent was ${JSON.stringify(delegatedJobs[0]?.request.prompt).slice(0, 200)}`);
    return problems;
  }
  if (delegatedJobs.length !== 0) problems.push('it was delegated');
  if (ran.length !== 1) return [...problems, `submitted ${ran.length} times to Claude Code, expected once`];
  const [submission] = ran as [(typeof ran)[number]];
  const want = deliveredText(input.name, parsed.task.body, DEFAULT_MESSAGE_SUFFIX);
  if (submission.message !== want) problems.push(`Claude Code received ${JSON.stringify(submission.message.slice(0, 300))}, expected ${JSON.stringify(want.slice(0, 300))}`);
  if (new RegExp(CONTROL_EXCEPT_NEWLINE_TAB.source).test(submission.message)) problems.push('a control character reached Claude Code');
  // The turn ended with Claude Code's answer: nothing interrupted it, quit it or submitted half of the paste.
  if (submission.model === null) problems.push('the turn has no answer (interrupted or quit)');
  return problems;
}

async function readTail(path: string): Promise<string | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 8192);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

async function startsWith(path: string, bytes: Buffer): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(bytes.length);
    await handle.read(head, 0, bytes.length, 0);
    return head.equals(bytes);
  } finally {
    await handle.close();
  }
}
