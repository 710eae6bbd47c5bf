import { execa } from 'execa';
import { lstat, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAtPrompt, readPane } from '../../src/claude-code/core/screen.js';
import { CLAUDE_FAILOVER_BIN, claudeFailover, REPO_ROOT, type CliRun } from '../support/cli.js';
import { testConfigYaml } from '../support/context.js';
import { SecretWatch, TEST_API_KEY, delegationConfig, startSecutools } from '../support/delegation.js';
import { expectSound } from '../support/invariants.js';
import { FAKE_CLAUDE, makeRig, queueFiles, registryEntries, submissionCount, submissions, waitFor, type Rig } from '../support/sessions.js';
import { ENTRIES } from '../support/accounts.js';

/**
 * Issue 7, security checks, after one realistic run of the real CLI on a private tmux server: local tasks in projects
 * whose folder names are shell syntax, delegated tasks (one the platform fails, one whose submission is refused)
 * with a platform that echoes the API key back, an invalid task, symlinked tasks, a notify command recording every
 * payload, and a swap that resumes two dedicated sessions (one in a folder named like a command, one in a folder
 * whose name holds a control character). Then: file modes, the key nowhere, no command injected, no link followed.
 */
// Each would run `cd; touch PWNED` (so that a PWNED lands in the temp HOME) if a shell or tmux ever interpreted it.
const HOSTILE_PROJECTS = ['p; cd; touch PWNED', '$(cd; touch PWNED)', 'it\'s "q" `cd; touch PWNED`', '#(cd;touch PWNED) #{pane_id}'];
const QUOTED = 'ccl-1-quoted';
const CONTROL = 'ccl-2-control';
const OUTSIDE_TEXT = 'OUTSIDE-SECRET: never read into a task.\n';

interface World {
  rig: Rig;
  projects: string[];
  dedicatedDirs: { quoted: string; control: string };
  outside: string;
  events: string;
  env: NodeJS.ProcessEnv;
  watch: SecretWatch;
  cli: (...args: string[]) => Promise<CliRun>;
}

async function world(serverUrl: string): Promise<World> {
  const rig = await makeRig({ pool: { min: 2, max: 2 }, turnMs: 200, dispatch: { session_cooldown: '1s' } });
  const projects = HOSTILE_PROJECTS.map((name) => join(rig.home, 'src', name));
  for (const project of projects) await mkdir(join(project, '.agent-queue', 'inbox'), { recursive: true });
  // Dedicated folders: one named like a command (quoting makes it harmless), one holding Ctrl-U (no quoting can
  // type that safely). The config names their parent; Claude Code reports the folder it runs in.
  const dedicatedDirs = { quoted: join(rig.home, 'src', 'd | cd; touch PWNED #(cd;touch PWNED)'), control: join(rig.home, 'src', 'ctl', 'x\u0015cd; touch PWNED #') };
  for (const dir of Object.values(dedicatedDirs)) await mkdir(dir, { recursive: true });
  const homes = [join(rig.home, '.claude-main'), join(rig.home, '.claude-backup')];
  for (const entry of ENTRIES) {
    await mkdir(join(rig.home, '.claude-shared', entry), { recursive: true });
    for (const home of homes) await symlink(join(rig.home, '.claude-shared', entry), join(home, entry));
  }
  await symlink(homes[0] as string, join(rig.home, '.claude'));
  const outside = join(rig.home, 'outside', 'notes.md');
  await mkdir(join(rig.home, 'outside'));
  await writeFile(outside, OUTSIDE_TEXT);
  const events = join(rig.home, 'events.jsonl');
  Object.assign(rig.configOverrides, {
    projects,
    pool: {
      ...(rig.configOverrides.pool as Record<string, unknown>),
      dedicated: [{ session: QUOTED, project: dedicatedDirs.quoted }, { session: CONTROL, project: join(rig.home, 'src', 'ctl') }],
    },
    delegation: delegationConfig(serverUrl),
    notify: { command: `cat >> '${events}'` },
  });
  await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
  // The Stop hook, written by hand here as `hook install` would: its signal files are part of the state dir whose modes are checked.
  const hook = { hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command: `node '${CLAUDE_FAILOVER_BIN}' hook stop --config '${rig.configPath}'` }] }] } };
  for (const home of homes) await writeFile(join(home, 'settings.json'), JSON.stringify(hook));
  const env = { ...rig.env, SECUTOOLS_API_KEY: TEST_API_KEY };
  const watch = new SecretWatch();
  const cli = async (...args: string[]) => {
    const run = await claudeFailover([...args, '--json', '--config', rig.configPath], { env, timeoutMs: 45_000 });
    watch.see(run.stdout, run.stderr);
    return run;
  };
  return { rig, projects, dedicatedDirs, outside, events, env, watch, cli };
}

/** Claude Code under main in a dedicated session, one finished turn: a conversation the swap must resume. */
async function startDedicated(w: World, session: string, cwd: string): Promise<string> {
  await w.rig.tmux.newSession(session, { cwd });
  await w.rig.tmux.sendLine(session, `CLAUDE_CONFIG_DIR=${join(w.rig.home, '.claude-main')} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
  await waitFor(`${session}'s prompt`, async () => isAtPrompt(readPane(await w.rig.tmux.capture(session))));
  await w.rig.tmux.sendText(session, 'review the design');
  await w.rig.tmux.sendKeys(session, 'Enter');
  const entry = await waitFor(`${session}'s turn`, async () => {
    const live = (await registryEntries(w.rig.home)).find((e) => String(e.tmux).startsWith(`${session}:`));
    return live?.status === 'idle' && (await submissions(w.rig.home)).some((s) => s.sessionId === live.sessionId && s.model !== null) ? live : undefined;
  });
  return String(entry.sessionId);
}

const inbox = (project: string) => join(project, '.agent-queue', 'inbox');

/** Every file and folder below `root` whose mode is not the one required; `keep` picks what is checked. */
async function modeProblems(root: string, want: { file: number; dir: number }, keep: (path: string) => boolean = () => true): Promise<string[]> {
  const problems: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      const mode = (await lstat(path)).mode & 0o777;
      if (entry.isDirectory()) {
        if (keep(path) && mode !== want.dir) problems.push(`${path} is ${mode.toString(8)}, expected ${want.dir.toString(8)}`);
        await walk(path);
      } else if (keep(path) && mode !== want.file) problems.push(`${path} is ${mode.toString(8)}, expected ${want.file.toString(8)}`);
    }
  };
  if (keep(root)) {
    const mode = (await lstat(root)).mode & 0o777;
    if (mode !== want.dir) problems.push(`${root} is ${mode.toString(8)}, expected ${want.dir.toString(8)}`);
  }
  await walk(root);
  return problems;
}

const isMarker = (path: string) => /\.md\.(delegating|delegated|local)$/.test(path);

/** Files named PWNED anywhere a hostile name could have made one: the temp HOME, the repository, the temp dir. */
async function pwned(home: string): Promise<string[]> {
  const found = (await readdir(home, { recursive: true })).filter((p) => p.split('/').pop() === 'PWNED').map((p) => join(home, p));
  for (const dir of [REPO_ROOT, tmpdir()]) if ((await readdir(dir)).includes('PWNED')) found.push(join(dir, 'PWNED'));
  return found;
}

/** What the tmux server shows and holds: every pane with its scrollback, the server's and each session's environment, and the environment of every process in a pane. */
async function tmuxTexts(rig: Rig): Promise<string[]> {
  const tmux = (...args: string[]) => execa('tmux', ['-L', rig.socket, ...args], { timeout: 5000, reject: false }).then((r) => String(r.stdout));
  const texts = [await tmux('show-environment', '-g')];
  for (const session of await rig.tmux.listSessions()) {
    texts.push(await tmux('capture-pane', '-p', '-S', '-', '-t', `=${session}:`), await tmux('show-environment', '-t', `=${session}`));
  }
  const pids = (await tmux('list-panes', '-a', '-F', '#{pane_pid}')).split('\n').filter(Boolean);
  for (const account of ['.claude-main', '.claude-backup']) for (const e of await registryEntries(rig.home, account)) pids.push(String(e.pid));
  for (const pid of pids) texts.push((await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).replace(/\0/g, '\n'));
  expect(pids.length).toBeGreaterThan(2);
  return texts;
}

describe('security after a realistic run', () => {
  it('modes, the key nowhere, no command injected through names, no symlink followed', async () => {
    const server = await startSecutools({ completeAfterMs: null });
    try {
      const w = await world(server.url);
      const { rig, cli } = w;
      // The CLI starts the tmux server, with the key in its own environment: none of it may reach the panes.
      expect((await cli('reconcile')).exitCode).toBe(0);
      const quotedId = await startDedicated(w, QUOTED, w.dedicatedDirs.quoted);
      await startDedicated(w, CONTROL, w.dedicatedDirs.control);

      const [first, second, third, fourth] = w.projects as [string, string, string, string];
      const localNames = new Map<string, string>();
      w.projects.forEach((project, i) => void localNames.set(project, `local-${i + 1}.md`));
      for (const [project, name] of localNames) await writeFile(join(inbox(project), name), `Work in ${project}.\n`);
      await writeFile(join(inbox(first), 'gpu.md'), '---\nallow_delegation: true\npreferred_ai: gpu\n---\nDelegated, completes.\n');
      await writeFile(join(inbox(second), 'doomed.md'), '---\nallow_delegation: true\n---\nDelegated, the platform fails it.\n');
      await writeFile(join(inbox(third), 'bad.md'), '---\npriority: urgent\n---\nInvalid.\n');
      await symlink(w.outside, join(inbox(first), 'outside-link.md'));
      await writeFile(join(second, 'inner.md'), 'A file inside the project.\n');
      await symlink(join(second, 'inner.md'), join(inbox(second), 'inside-link.md'));

      // A killed run leaves its lock behind: the lock folder and the owner file inside it are private too.
      expect((await claudeFailover(['scan-inbox', '--config', rig.configPath], { env: { ...w.env, CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-read' } })).signal).toBe('SIGKILL');
      const stateDir = join(rig.home, 'state');
      expect(await readdir(stateDir)).toEqual(expect.arrayContaining(['claude-failover.lock', 'state.json', 'signals']));
      // The dedicated sessions' Stop hooks have written their signals by now.
      expect((await readdir(join(stateDir, 'signals'))).sort()).toEqual([`${QUOTED}.done`, `${CONTROL}.done`].sort());
      expect(await modeProblems(stateDir, { file: 0o600, dir: 0o700 })).toEqual([]);

      expect((await cli('scan-inbox')).exitCode).toBe(0);
      const jobs = server.allJobs();
      expect(jobs.map((j) => (j.request.metadata as { task: string }).task).sort()).toEqual(['doomed.md', 'gpu.md']);
      // The platform answers with the key in its texts: a result, an error, and a refusal on the next submission.
      server.completeJob(jobs.find((j) => (j.request.metadata as { task: string }).task === 'gpu.md')!.id, { result: `Done. (your key ${TEST_API_KEY} works)` });
      server.failJob(jobs.find((j) => (j.request.metadata as { task: string }).task === 'doomed.md')!.id, `backend rejected token ${TEST_API_KEY}`);
      await writeFile(join(inbox(third), 'refused.md'), '---\nallow_delegation: true\n---\nThe platform refuses this submission.\n');
      server.inject({ kind: 'status', status: 401, body: JSON.stringify({ error: `invalid key ${TEST_API_KEY}` }) }, { method: 'POST' });
      expect((await cli('scan-inbox')).exitCode).toBe(0);
      const markers = (await Promise.all(w.projects.map(async (p) => (await readdir(inbox(p))).filter(isMarker).map((n) => join(inbox(p), n))))).flat();
      expect(markers.map((m) => m.split('/').pop()).sort()).toEqual(['doomed.md.delegated', 'gpu.md.delegated', 'refused.md.local']);
      expect((await Promise.all(w.projects.map((p) => modeProblems(inbox(p), { file: 0o600, dir: 0o700 }, isMarker)))).flat()).toEqual([]);
      await w.watch.assertClean([rig.home]);

      // Run everything to the end: local tasks (the refused one falls back to local), reaping, completion.
      await waitFor('every inbox to empty', async () => {
        for (const command of ['reap-delegated', 'reconcile', 'dispatch']) expect((await cli(command)).exitCode, command).toBe(0);
        return (await Promise.all(w.projects.map(async (p) => (await queueFiles(p)).inbox.length))).every((n) => n === 0);
      }, 60_000, 100);
      expect((await cli('reconcile')).exitCode).toBe(0);
      expect(await queueFiles(first)).toEqual({ inbox: [], done: ['gpu.md', 'gpu.result.md', 'local-1.md'], failed: ['outside-link.md'] });
      expect(await queueFiles(second)).toEqual({ inbox: [], done: ['local-2.md'], failed: ['doomed.md', 'inside-link.md'] });
      expect(await queueFiles(third)).toEqual({ inbox: [], done: ['local-3.md', 'refused.md'], failed: ['bad.md'] });
      expect(await queueFiles(fourth)).toEqual({ inbox: [], done: ['local-4.md'], failed: [] });
      for (const name of [...localNames.values(), 'refused.md']) expect(await submissionCount(rig.home, name), name).toBe(1);

      // The swap stops the pool, flips to backup and resumes the dedicated conversations where they ran.
      // The folder holding Ctrl-U is never typed: that session stays at its shell and the swap says so (exit 1).
      const swap = await cli('swap-account', '--to', 'backup');
      expect(swap.exitCode, swap.stderr).toBe(1);
      const outcomes = (JSON.parse(swap.stdout) as { swap: { sessions: Array<{ session: string; action: string; error: string | null }> } }).swap.sessions;
      expect(outcomes.filter((o) => o.session === QUOTED || o.session === CONTROL)).toEqual([
        expect.objectContaining({ session: QUOTED, action: 'resumed' }),
        expect.objectContaining({ session: CONTROL, action: 'failed', error: expect.stringContaining('refusing to type a command line with a control character') }),
      ]);
      await waitFor('the quoted-folder conversation resumed under backup', async () =>
        (await registryEntries(rig.home, '.claude-backup')).some((e) => e.sessionId === quotedId && String(e.tmux).startsWith(`${QUOTED}:`)));
      expect(swap.stderr).toContain(`${CONTROL}: could not be brought back: refusing to type a command line with a control character`);
      expect((await registryEntries(rig.home, '.claude-backup')).filter((e) => String(e.tmux).startsWith(`${CONTROL}:`))).toEqual([]);
      expect((await cli('reconcile')).exitCode).toBe(0);

      // 1. Modes: the whole state dir, and the resume dir the swap used.
      expect(await modeProblems(stateDir, { file: 0o600, dir: 0o700 })).toEqual([]);
      expect(await modeProblems(join(rig.home, '.claude-context'), { file: 0o600, dir: 0o700 })).toEqual([]);
      // 2. The key: nowhere in any output, file (state, markers, footers, results, notify payloads, transcripts) or tmux.
      const events = (await readFile(w.events, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string });
      expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['task-failed', 'swap']));
      expect(await readFile(join(first, '.agent-queue', 'done', 'gpu.result.md'), 'utf8')).toContain('[redacted]');
      w.watch.see(...(await tmuxTexts(rig)));
      await w.watch.assertClean([rig.home]);
      // 3. No name ran as a command.
      expect(await pwned(rig.home)).toEqual([]);
      // 4. No link followed: the outside file is untouched and its text went nowhere.
      expect(await readFile(w.outside, 'utf8')).toBe(OUTSIDE_TEXT);
      expect((await submissions(rig.home)).filter((s) => s.message.includes('OUTSIDE-SECRET'))).toEqual([]);
      expect(server.allJobs().filter((j) => JSON.stringify(j.request).includes('OUTSIDE-SECRET'))).toEqual([]);
      const record = await readFile(join(first, '.agent-queue', 'failed', 'outside-link.md'), 'utf8');
      expect(record).toContain(`task file was a symlink to ${w.outside}; its target was not read`);
      expect(record).not.toContain('OUTSIDE-SECRET');
      // And the run as a whole: every task in exactly one state, none lost, none run twice, accounts whole.
      const tasks = [[first, 'gpu.md'], [first, 'outside-link.md'], [second, 'doomed.md'], [second, 'inside-link.md'], [third, 'bad.md'], [third, 'refused.md'], ...localNames];
      await expectSound({
        home: rig.home,
        projects: w.projects,
        tasks: tasks.map(([project, name]) => ({ project: project as string, name: name as string })),
        statePath: join(stateDir, 'state.json'),
        server,
        accounts: { activeLink: join(rig.home, '.claude'), homes: [join(rig.home, '.claude-main'), join(rig.home, '.claude-backup')], sharedRoot: join(rig.home, '.claude-shared'), entries: ENTRIES },
      });
    } finally {
      await server.stop();
    }
  }, 180_000);

  it('session names and typed values a shell or tmux would interpret are refused by the config before tmux is touched', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    const pool = rig.configOverrides.pool as Record<string, unknown>;
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['dedicated session $()', { pool: { ...pool, dedicated: [{ session: '$(cd; touch PWNED)', project: rig.project }] } }, 'pool.dedicated[0].session: expected letters, digits, "_" or "-", got "$(cd; touch PWNED)"'],
      ['dedicated session with a quote', { pool: { ...pool, dedicated: [{ session: "a'b", project: rig.project }] } }, 'pool.dedicated[0].session: expected letters'],
      ['dedicated session with a tmux format', { pool: { ...pool, dedicated: [{ session: '#(cd;touch PWNED)', project: rig.project }] } }, 'pool.dedicated[0].session: expected letters'],
      ['pool prefix with ;', { pool: { ...pool, autonomous: { prefix: 'ccl;cd;touch PWNED;', min: 1, max: 1 } } }, 'pool.autonomous.prefix: expected letters'],
      ['a project path with Ctrl-U', { projects: [`${rig.project}\u0015cd; touch PWNED #`] }, 'projects[0]: expected a path without control characters'],
      ['a dedicated project with ESC', { pool: { ...pool, dedicated: [{ session: 'ccl-1-x', project: `${rig.project}\u001b[2J` }] } }, 'pool.dedicated[0].project: expected a path without control characters'],
      ['a model with Ctrl-U', { dispatch: { ...(rig.configOverrides.dispatch as Record<string, unknown>), models: { default: 'sonnet\u0015cd; touch PWNED #' } } }, 'dispatch.models.default: expected text without control characters'],
    ];
    for (const [name, override, says] of cases) {
      const path = join(rig.home, 'refused.yaml');
      await writeFile(path, testConfigYaml(rig.home, { ...rig.configOverrides, ...override }));
      const run = await claudeFailover(['reconcile', '--json', '--config', path], { env: rig.env });
      expect(run.exitCode, name).toBe(2);
      expect((JSON.parse(run.stdout) as { error: { message: string } }).error.message, name).toContain(says);
    }
    expect(await rig.tmux.listSessions()).toEqual([]);
    expect(await pwned(rig.home)).toEqual([]);
  });
});
