import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { processAlive } from '../../src/base/process.js';
import { createTmux, type Tmux } from '../../src/sessions/tmux.js';
import { userText, unwrapPastes } from '../../src/claude-code/core/transcript.js';
import { systemClock } from '../../src/base/clock.js';
import { REPO_ROOT } from './cli.js';
import { makeTestContext, testConfigYaml, type TestContext } from './context.js';
import { tempDir } from './temp.js';
import { waitFor } from './wait.js';

/**
 * Test rig for the sessions area: a temp HOME with two account homes and a project, a private tmux server
 * (`tmux -L <unique>`, killed after each test) and the fake `claude` from fakes/.
 */
export const FAKE_CLAUDE = join(REPO_ROOT, 'fakes', 'claude');
/** The release the fake plays without FAKE_CLAUDE_RELEASE: the newest captured (fakes/claude-code/releases.mjs). */
export const FAKE_CLAUDE_NEWEST = '2.1.332';

const rigs: Rig[] = [];
// Registered after temp.ts's hook, so it runs first: the server and every process in it (shells writing their
// history, fake Claude Codes removing their registry files) are gone before the temp HOME is removed.
afterEach(async () => {
  await Promise.all(rigs.splice(0).map(stopRig));
});

/** Kills the rig's tmux server and waits until every process of it (shells, fake Claude Codes) has exited. */
export async function stopRig(rig: Rig): Promise<void> {
  const panes = await execa('tmux', ['-L', rig.socket, 'list-panes', '-a', '-F', '#{pane_pid}'], { reject: false, timeout: 5000 });
  // Every account home of the rig (`.claude-main`, `.claude-backup`, and any a test adds).
  const homes = (await readdir(rig.home)).filter((name) => name.startsWith('.claude-') && name !== '.claude-shared');
  const fakes = (await Promise.all(homes.map((home) => registryEntries(rig.home, home)))).flat();
  const pids = [...String(panes.stdout).split('\n').filter(Boolean).map(Number), ...fakes.map((e) => Number(e.pid))];
  await rig.tmux.killServer().catch(() => undefined);
  await removeSocketFile(rig.socket);
  await waitFor('the rig processes to exit', async () => pids.every((pid) => !processAlive(pid)), 10_000, 50);
}

/**
 * tmux 3.3 leaves its socket file behind when the server exits: remove it, so test runs do not litter
 * `$TMUX_TMPDIR/tmux-<uid>/`.
 */
export async function removeSocketFile(socket: string): Promise<void> {
  await rm(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
}

export function uniqueSocket(): string {
  return `cf-test-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export interface Rig {
  home: string;
  project: string;
  socket: string;
  /** A tmux handle on the private server (for the test's own pokes); the server is killed after the test. */
  tmux: Tmux;
  /** The environment the tmux server and CLI subprocesses get (root needs IS_SANDBOX=1 for the fake). */
  env: NodeJS.ProcessEnv;
  configOverrides: Record<string, unknown>;
  configPath: string;
  ctx: TestContext;
}

export interface RigOptions {
  pool?: { start_index?: number; min?: number; max?: number };
  dedicated?: Array<{ session: string; project: string }>;
  dispatch?: Record<string, unknown>;
  completion?: Record<string, unknown>;
  turnMs?: number;
  /** What `dispatch.claude_command` runs (default: the fake); the real-client suite names a real release. */
  claudeCommand?: string;
  /** More environment for the tmux server and the CLI runs (the real-client suite points Claude Code at its stand-in). */
  env?: NodeJS.ProcessEnv;
  /** More raw config (e.g. a third account), merged over the rig's own keys. */
  config?: Record<string, unknown>;
}

export async function makeRig(options: RigOptions = {}): Promise<Rig> {
  const rig = await createRig(await tempDir('cf-sessions-'), options);
  rigs.push(rig);
  return rig;
}

/**
 * A rig in `home` that nothing stops for the caller: for tests that run concurrently (it.concurrent), where the
 * shared afterEach above would stop the rigs of tests still running. The caller runs stopRig, then removes home.
 */
export async function createRig(home: string, options: RigOptions = {}): Promise<Rig> {
  const project = join(home, 'proj');
  await mkdir(join(project, '.agent-queue', 'inbox'), { recursive: true });
  await mkdir(join(home, '.claude-main'), { recursive: true });
  await mkdir(join(home, '.claude-backup'), { recursive: true });
  const socket = uniqueSocket();
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    IS_SANDBOX: '1',
    FAKE_CLAUDE_TURN_MS: String(options.turnMs ?? 300),
    PATH: process.env.PATH,
    ...options.env,
  };
  const configOverrides: Record<string, unknown> = {
    pool: {
      autonomous: { prefix: 'ccl-auto-', start_index: options.pool?.start_index ?? 11, min: options.pool?.min ?? 2, max: options.pool?.max ?? 2 },
      dedicated: options.dedicated ?? [],
    },
    projects: [project],
    dispatch: { claude_command: options.claudeCommand ?? FAKE_CLAUDE, prompt_timeout: '15s', ...options.dispatch },
    completion: { idle_timeout: '2h', ...options.completion },
    tmux: { socket },
    ...options.config,
  };
  const configPath = join(home, 'config.yaml');
  await writeFile(configPath, testConfigYaml(home, configOverrides));
  const ctx = makeTestContext({ home, config: configOverrides, env });
  // The fake writes real timestamps; the lifecycle compares them with ours.
  ctx.clock = systemClock;
  const tmux = createTmux({ socket, env });
  return { home, project, socket, tmux, env, configOverrides, configPath, ctx };
}

/** Writes `inbox/<name>` with an explicit mtime (oldest-first ordering is by mtime). */
export async function addTask(project: string, name: string, text: string, mtime?: Date): Promise<string> {
  const path = join(project, '.agent-queue', 'inbox', name);
  await writeFile(path, text);
  if (mtime) await utimes(path, mtime, mtime);
  return path;
}

export { waitFor };

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => join(e.parentPath, e.name));
}

export interface Submission {
  message: string;
  sessionId: string;
  timestamp: string;
  model: string | null;
}

/** Every user message the fake recorded under the account homes, pastes unwrapped. */
export async function submissions(home: string): Promise<Submission[]> {
  const found: Submission[] = [];
  // Homes that follow the shared-state contract link projects/ to one folder: read each transcript once.
  const seen = new Set<string>();
  for (const account of ['.claude-main', '.claude-backup']) {
    for (const file of await filesUnder(join(home, account, 'projects'), '.jsonl')) {
      const real = await realpath(file);
      if (seen.has(real)) continue;
      seen.add(real);
      const records = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const [i, record] of records.entries()) {
        const text = userText(record);
        if (text === null) continue;
        // The reply to this message only: a turn stopped mid-way has none, even if the conversation resumed later.
        const next = records.slice(i + 1).findIndex((r) => r.type === 'assistant' || userText(r) !== null);
        const candidate = next === -1 ? undefined : records[i + 1 + next];
        const reply = (candidate?.type === 'assistant' ? candidate : undefined) as { message?: { model?: string } } | undefined;
        found.push({ message: unwrapPastes(text), sessionId: String(record.sessionId), timestamp: String(record.timestamp), model: reply?.message?.model ?? null });
      }
    }
  }
  return found;
}

/** How many times a task was submitted to Claude Code (by its `[T.md]` tag): nothing may run twice. */
export async function submissionCount(home: string, taskName: string): Promise<number> {
  return (await submissions(home)).filter((s) => s.message.startsWith(`[${taskName}]`)).length;
}

/** The fake's registry entries (live Claude Code processes) of the main account. */
export async function registryEntries(home: string, account = '.claude-main'): Promise<Array<Record<string, unknown>>> {
  const entries = [];
  for (const file of await filesUnder(join(home, account, 'sessions'), '.json')) {
    try {
      entries.push(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
    } catch {
      // Being rewritten right now.
    }
  }
  return entries;
}

export async function queueFiles(project: string): Promise<{ inbox: string[]; done: string[]; failed: string[] }> {
  const list = async (dir: string) => (await readdir(join(project, '.agent-queue', dir)).catch(() => [] as string[])).filter((n) => !n.startsWith('.')).sort();
  return { inbox: await list('inbox'), done: await list('done'), failed: await list('failed') };
}
