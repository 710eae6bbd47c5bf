import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { shellQuote } from '../src/claude-code/core/launch.js';
import { isAtPrompt, readPane } from '../src/claude-code/core/screen.js';
import { createTmux, type Tmux } from '../src/sessions/tmux.js';
import { BIN, benchHome } from './fixtures.js';
import { median, timeProcess, type Figure } from './support.js';

/**
 * The failover figures, on a private tmux server with the fake `claude` and two account homes on the shared-state
 * contract (`~/.claude` → main):
 * - failover latency with the tool's hooks installed and no timer: from the usage limit in a pool session (the
 *   limit record Claude Code writes) to the swap starting (its record in the state), and to every session being back
 *   on the next account (the operator's conversations live again under backup). Goal: the swap starts within 2 s;
 * - `swap-account` of 10 busy pool + 2 dedicated sessions vs 1 busy pool session (sessions stop and start in
 *   parallel: goal ≤ 1.5x).
 */
const FAKE_CLAUDE = new URL('../../fakes/claude', import.meta.url).pathname;
const RUNS = 3;
const ENTRIES = ['projects', 'file-history', 'session-env'];

interface Fleet {
  home: string;
  homes: { main: string; backup: string };
  env: NodeJS.ProcessEnv;
  socket: string;
  tmux: Tmux;
  project: string;
  pool: string[];
  dedicated: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function run(f: Fleet, args: string[]) {
  const result = await timeProcess(BIN, args, f.env);
  if (result.exitCode !== 0) throw new Error(`bench: ${args.join(' ')} exited ${result.exitCode}`);
  return result;
}

/** Live fake Claude Codes under one home, by tmux session. */
async function liveUnder(home: string): Promise<Map<string, { sessionId: string; status: string }>> {
  const live = new Map<string, { sessionId: string; status: string }>();
  for (const name of await readdir(join(home, 'sessions')).catch(() => [] as string[])) {
    try {
      const entry = JSON.parse(await readFile(join(home, 'sessions', name), 'utf8')) as { tmux?: string; sessionId: string; status: string };
      if (typeof entry.tmux === 'string') live.set(entry.tmux.split(':')[0] as string, entry);
    } catch {
      // Being written or removed right now.
    }
  }
  return live;
}

async function fleet(poolSize: number, dedicatedCount: number): Promise<Fleet> {
  const socket = `cf-bench-${process.pid}-${randomBytes(4).toString('hex')}`;
  const { home, config, projectDirs } = await benchHome(1);
  const homes = { main: join(home, '.claude-main'), backup: join(home, '.claude-backup') };
  for (const entry of ENTRIES) await mkdir(join(home, '.claude-shared', entry), { recursive: true });
  for (const dir of Object.values(homes)) {
    await mkdir(dir, { recursive: true });
    for (const entry of ENTRIES) await symlink(join(home, '.claude-shared', entry), join(dir, entry));
  }
  await symlink(homes.main, join(home, '.claude'));
  const dedicated = Array.from({ length: dedicatedCount }, (_, i) => `ccl-${i + 1}-bench`);
  const project = projectDirs[0] as string;
  await writeFile(config, stringify({
    accounts: [{ name: 'main', home: homes.main }, { name: 'backup', home: homes.backup }],
    active_link: join(home, '.claude'),
    shared: { root: join(home, '.claude-shared') },
    state_dir: join(home, 'state'),
    resume_dir: join(home, '.claude-context'),
    projects: [project],
    pool: { autonomous: { prefix: 'ccl-auto-', start_index: 11, min: poolSize, max: poolSize }, dedicated: dedicated.map((session) => ({ session, project })) },
    dispatch: { claude_command: FAKE_CLAUDE, prompt_timeout: '30s', session_cooldown: '1s' },
    tmux: { socket },
  }));
  const env = { HOME: home, CLAUDE_FAILOVER_CONFIG: config, IS_SANDBOX: '1', FAKE_CLAUDE_TURN_MS: '600000', PATH: process.env.PATH };
  const f: Fleet = { home, homes, env, socket, tmux: createTmux({ socket, env }), project, pool: Array.from({ length: poolSize }, (_, i) => `ccl-auto-${11 + i}`), dedicated };
  await run(f, ['reconcile']);
  await setTurns(f, { turnMs: 300 });
  for (const session of dedicated) {
    await f.tmux.newSession(session, { cwd: project });
    await f.tmux.sendLine(session, `CLAUDE_CONFIG_DIR=${shellQuote(homes.main)} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
    await until(`${session}'s prompt`, async () => isAtPrompt(readPane(await f.tmux.capture(session))));
    await f.tmux.sendText(session, 'review the design');
    await f.tmux.sendKeys(session, 'Enter');
  }
  await until('the operator turns to end', async () => {
    const live = await liveUnder(homes.main);
    return dedicated.every((s) => live.get(s)?.status === 'idle');
  });
  return f;
}

const setTurns = (f: Fleet, control: Record<string, unknown>, home = f.homes.main) => writeFile(join(home, 'fake-claude-control.json'), JSON.stringify(control));

/** One task per pool session, dispatched (untimed); every session busy with it until the test says otherwise. */
async function busyPool(f: Fleet, sessions = f.pool.length): Promise<void> {
  const inbox = join(f.project, '.agent-queue', 'inbox');
  const pending = (await readdir(inbox)).filter((n) => n.endsWith('.md')).length;
  for (let i = pending; i < sessions; i++) await writeFile(join(inbox, `task-${randomBytes(3).toString('hex')}.md`), `Bench task ${i}.\n`);
  await run(f, ['dispatch']);
}

async function teardown(f: Fleet): Promise<void> {
  await f.tmux.killServer().catch(() => undefined);
  await rm(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, f.socket), { force: true });
  await sleep(300);
  await rm(f.home, { recursive: true, force: true }).catch(() => undefined);
}

interface State {
  swaps: Array<{ at: string; to: string }>;
  swapJournal: { startedAt: string } | null;
}
const readState = async (f: Fleet) => JSON.parse(await readFile(join(f.home, 'state', 'state.json'), 'utf8')) as State;

/** When the limit record of the pool session's conversation was written (the fake stamps it as Claude Code does). */
async function limitRecordAt(f: Fleet): Promise<number | null> {
  const dir = join(f.home, '.claude-shared', 'projects');
  for (const folder of await readdir(dir).catch(() => [] as string[])) {
    for (const file of await readdir(join(dir, folder))) {
      for (const line of (await readFile(join(dir, folder, file), 'utf8')).split('\n')) {
        if (line.includes('"isApiErrorMessage":true')) return Date.parse((JSON.parse(line) as { timestamp: string }).timestamp);
      }
    }
  }
  return null;
}

/** One failover with the hooks installed and no timer: the limit, the swap's start, everyone back under backup. */
async function failoverOnce(): Promise<{ started: number; relaunched: number }> {
  const f = await fleet(4, 1);
  try {
    await run(f, ['hook', 'install']);
    await setTurns(f, { turnMs: 600_000 });
    await busyPool(f, f.pool.length - 1);
    // The last pool session's turn ends in the 5-hour limit half a second after it is sent.
    await setTurns(f, { limitNextTurn: true, turnMs: 500, resetsAt: Math.floor(Date.now() / 1000) + 2 * 3600 });
    await busyPool(f);
    // The swap journal (saved before the swap's first step) carries its start; it lives for the whole swap.
    const startedAt = await until('the swap journal', async () => (await readState(f).catch(() => null))?.swapJournal?.startedAt ?? null, 30_000, 10);
    const back = await until('every session back under backup', async () => {
      const state = await readState(f).catch(() => null);
      if (state === null || state.swapJournal !== null || state.swaps.at(-1)?.to !== 'backup') return null;
      const live = await liveUnder(f.homes.backup);
      const shells = new Set(await f.tmux.listSessions());
      return f.dedicated.every((s) => live.has(s)) && f.pool.every((s) => shells.has(s)) ? Date.now() : null;
    }, 60_000, 20);
    const limitAt = await until('the limit record', () => limitRecordAt(f), 5000, 20);
    return { started: Date.parse(startedAt) - limitAt, relaunched: back - limitAt };
  } finally {
    await teardown(f);
  }
}

/** Whether a check-quota of this config runs (its command line, read from /proc). */
async function checkQuotaRunning(config: string): Promise<boolean> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.includes('check-quota') && args.includes(config)) return true;
  }
  return false;
}

/**
 * The StopFailure hook's own run, as Claude Code waits for it: a whole process from its pool session's pane, for a
 * failure that only gets recorded and for a usage limit (recorded, and a detached check-quota started).
 */
async function hookRuns(): Promise<{ recorded: number[]; started: number[] }> {
  const f = await fleet(1, 0);
  try {
    const [pane, socketPath] = (await f.tmux.displayMessage('=ccl-auto-11:', '#{pane_id} #{socket_path}')).split(' ');
    const env = { ...f.env, TMUX_PANE: pane, TMUX: `${socketPath},1,0` };
    const sessionId = '5f39222e-e79f-41bc-88b5-7019149d97ab';
    const transcript = join(f.homes.main, 'projects', '-bench', `${sessionId}.jsonl`);
    await mkdir(join(f.homes.main, 'projects', '-bench'), { recursive: true });
    await writeFile(transcript, '{}\n');
    const payload = (error: string) => JSON.stringify({ session_id: sessionId, transcript_path: transcript, cwd: f.project, hook_event_name: 'StopFailure', error, last_assistant_message: 'API Error' });
    const times = { recorded: [] as number[], started: [] as number[] };
    for (let i = 0; i < RUNS + 2; i++) {
      for (const [error, into] of [['invalid_request', times.recorded], ['rate_limit', times.started]] as const) {
        const run = await timeProcess(BIN, ['hook', 'stop-failure', '--json'], env, payload(error));
        if (run.exitCode !== 0 || !(JSON.parse(run.stdout) as { written: boolean }).written) throw new Error('bench: the hook recorded nothing');
        into.push(run.ms);
        // The started check-quota runs on by itself: let it finish before the next measurement.
        await until('the started check-quota to end', async () => !(await checkQuotaRunning(String(f.env.CLAUDE_FAILOVER_CONFIG))), 30_000, 50);
      }
    }
    return times;
  } finally {
    await teardown(f);
  }
}

export async function benchFailover(): Promise<Figure[]> {
  const hook = await hookRuns();
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await failoverOnce());
  const started = median(runs.map((r) => r.started));
  const relaunched = median(runs.map((r) => r.relaunched));
  return [
    {
      name: 'failover: limit → swap started (hooks, no timer)',
      detail: `median of ${RUNS} fleets of 4 pool + 1 dedicated sessions: from the limit record of a pool session's turn to the swap's start (StopFailure hook → check-quota → swap); runs ${runs.map((r) => r.started.toFixed(0)).join(', ')} ms`,
      value: started,
      unit: 'ms',
      goal: { max: 2000 },
    },
    {
      name: 'failover: limit → all relaunched (hooks, no timer)',
      detail: `the same fleets, to every session back on backup (pool shells recreated, the dedicated conversation resumed; 10 s is a sanity bound, not a goal of the product); runs ${runs.map((r) => r.relaunched.toFixed(0)).join(', ')} ms`,
      value: relaunched,
      unit: 'ms',
      goal: { max: 10_000 },
    },
    {
      name: 'hook stop-failure: a usage limit (recorded, check-quota started)',
      detail: `median of ${RUNS + 2} hook processes run from a pool session's pane (what Claude Code waits for); recording an invalid_request only: median ${median(hook.recorded).toFixed(0)} ms`,
      value: median(hook.started),
      unit: 'ms',
      goal: { max: 500 },
    },
  ];
}

/** `swap-account` back and forth between the homes, every pool session busy again before each (untimed). */
async function swaps(poolSize: number, dedicatedCount: number): Promise<number[]> {
  const f = await fleet(poolSize, dedicatedCount);
  try {
    await setTurns(f, { turnMs: 600_000 });
    await setTurns(f, { turnMs: 600_000 }, f.homes.backup);
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      await busyPool(f);
      const to = i % 2 === 0 ? 'backup' : 'main';
      times.push((await run(f, ['swap-account', '--to', to])).ms);
    }
    return times;
  } finally {
    await teardown(f);
  }
}

export async function benchSwap(): Promise<Figure[]> {
  const one = await swaps(1, 0);
  const twelve = await swaps(10, 2);
  return [
    {
      name: 'swap-account: 10 pool + 2 dedicated sessions vs 1 pool session',
      detail: `median of ${RUNS} swap-account processes each, every pool session busy with a task (stop, flip, links, re-queue, recreate, resume the dedicated conversations); runs ${twelve.map((t) => t.toFixed(0)).join(', ')} vs ${one.map((t) => t.toFixed(0)).join(', ')} ms`,
      value: median(twelve),
      unit: 'ms',
      floor: median(one),
      goal: { maxRatio: 1.5 },
    },
  ];
}
