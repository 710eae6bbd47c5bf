import { execa, type ResultPromise } from 'execa';
import { mkdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { FakeSecutools } from '../../../src/fakes/secutools-server.js';
import { CLAUDE_FAILOVER_BIN, type CliRun } from '../../support/cli.js';
import { testConfigYaml } from '../../support/context.js';
import { TEST_API_KEY, delegationConfig, startSecutools, taskText, type TaskSpec } from '../../support/delegation.js';
import type { World } from '../../support/invariants.js';
import { makeRig, submissions, type Rig } from '../../support/sessions.js';
import { ENTRIES } from '../../support/accounts.js';

/**
 * One whole fleet for the loop tests: a private tmux server with the fake
 * `claude`, a pool of sessions, three account homes that follow the shared-state contract with `~/.claude` pointing
 * at one of them (three, so the fleet can run into a usage limit twice and still swap), the fake secutools platform
 * with delegation on, and several projects. Commands run as real subprocesses of the built bin, so a test can
 * SIGKILL them at any instant.
 */
const ACCOUNTS = ['main', 'backup', 'third'] as const;

export interface LoopWorld extends World {
  rig: Rig;
  server: FakeSecutools;
  env: NodeJS.ProcessEnv;
  configPath: string;
  homes: Record<(typeof ACCOUNTS)[number], string>;
  activeLink: string;
  /** Local tasks (run in a pool session) and delegated ones (`allow_delegation: true`), by task name. */
  kinds: Map<string, 'local' | 'delegated'>;
}

export interface LoopWorldOptions {
  projects?: number;
  pool?: number;
  /** How long a fake Claude Code turn takes. */
  turnMs?: number;
  /** A platform job completes on the first poll this long after its creation. */
  completeAfterMs?: number;
  /** Delay before every platform answer. */
  latencyMs?: number;
}

const servers: FakeSecutools[] = [];
// The rig (tmux server, fake Claude Codes of every home, temp HOME) is stopped by the sessions rig's own hook.
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

export async function makeLoopWorld(options: LoopWorldOptions = {}): Promise<LoopWorld> {
  const pool = options.pool ?? 3;
  // makeRig owns the tmux server, the temp HOME and the fake Claude Codes: all are gone after the test.
  const rig = await makeRig({ pool: { min: pool, max: pool }, dispatch: { session_cooldown: '1s' }, turnMs: options.turnMs ?? 400 });
  const server = await startSecutools({ completeAfterMs: options.completeAfterMs ?? 300, latencyMs: options.latencyMs ?? 0 });
  servers.push(server);
  const projects = Array.from({ length: options.projects ?? 3 }, (_, i) => join(rig.home, 'src', `p${i + 1}`));
  for (const project of projects) await mkdir(join(project, '.agent-queue', 'inbox'), { recursive: true });
  const homes = { main: join(rig.home, '.claude-main'), backup: join(rig.home, '.claude-backup'), third: join(rig.home, '.claude-third') };
  await mkdir(homes.third, { recursive: true });
  for (const entry of ENTRIES) {
    await mkdir(join(rig.home, '.claude-shared', entry), { recursive: true });
    for (const home of Object.values(homes)) await symlink(join(rig.home, '.claude-shared', entry), join(home, entry));
  }
  const activeLink = join(rig.home, '.claude');
  await symlink(homes.main, activeLink);

  Object.assign(rig.configOverrides, {
    accounts: ACCOUNTS.map((name) => ({ name, home: homes[name] })),
    projects,
    dispatch: { ...(rig.configOverrides.dispatch as Record<string, unknown>), prompt_timeout: '20s' },
    // A short cooldown: a second limit soon after a swap is acted on.
    quota: { reactivate_cooldown: '2s', confirm_polls: 2 },
    delegation: delegationConfig(server.url, { request_timeout: '3s' }),
  });
  await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
  const env = { ...rig.env, SECUTOOLS_API_KEY: TEST_API_KEY };
  const world: LoopWorld = {
    rig,
    server,
    env,
    configPath: rig.configPath,
    homes,
    activeLink,
    home: rig.home,
    projects,
    tasks: [],
    kinds: new Map(),
    statePath: join(rig.home, 'state', 'state.json'),
    accounts: { activeLink, homes: Object.values(homes), sharedRoot: join(rig.home, '.claude-shared'), entries: ENTRIES },
  };
  return world;
}

/**
 * A second configuration over the same world: its own state dir (so its own lock) and its own pool sessions, but the
 * same projects, accounts and tmux server. Two of them model two independent schedulers on one set of inboxes.
 */
export async function writeConfigVariant(world: LoopWorld, name: string, overrides: { prefix: string }): Promise<{ configPath: string; statePath: string }> {
  const stateDir = join(world.home, `state-${name}`);
  const pool = world.rig.configOverrides.pool as { autonomous: Record<string, unknown> };
  const configPath = join(world.home, `config-${name}.yaml`);
  await writeFile(configPath, testConfigYaml(world.home, {
    ...world.rig.configOverrides,
    pool: { ...pool, autonomous: { ...pool.autonomous, prefix: overrides.prefix } },
    state_dir: stateDir,
  }));
  return { configPath, statePath: join(stateDir, 'state.json') };
}

/** Starts one command of the built bin as a child the test can kill (clean env, bounded by a timeout). */
export function spawnCli(world: LoopWorld, args: string[], options: { configPath?: string; timeoutMs?: number } = {}): ResultPromise<{ reject: false }> {
  return execa('node', [CLAUDE_FAILOVER_BIN, ...args, '--config', options.configPath ?? world.configPath], {
    env: world.env,
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    input: '',
  }) as unknown as ResultPromise<{ reject: false }>;
}

export async function outcome(child: ResultPromise<{ reject: false }>): Promise<CliRun> {
  const result = await child;
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr), signal: result.signal };
}

export const runCli = (world: LoopWorld, args: string[], configPath?: string) => outcome(spawnCli(world, args, { configPath }));

/** Puts a new task in a project's inbox and registers it with the world (names are unique across projects). */
export async function addLoopTask(world: LoopWorld, project: string, name: string, kind: 'local' | 'delegated', spec: TaskSpec = {}): Promise<void> {
  const text = taskText(kind === 'delegated' ? { allow_delegation: true, preferred_ai: 'auto', ...spec, body: spec.body ?? `work on ${name}` } : { ...spec, body: spec.body ?? `work on ${name}` });
  await writeFile(join(project, '.agent-queue', 'inbox', name), text);
  world.tasks.push({ project, name });
  world.kinds.set(name, kind);
}

export async function activeHome(world: LoopWorld): Promise<string> {
  return readlink(world.activeLink);
}

/** Every later turn under `home` ends in the 5-hour limit until the control file goes (see fakes/claude). */
export async function exhaustHome(home: string, resetsAtSec: number, turnMs: number): Promise<void> {
  await writeFile(join(home, 'fake-claude-control.json'), JSON.stringify({ limitNextTurn: true, resetsAt: resetsAtSec, turnMs }));
}

export async function restoreHome(home: string): Promise<void> {
  await rm(join(home, 'fake-claude-control.json'), { force: true });
}

export interface RunTally {
  /** Submissions whose turn completed (a real reply), per task. */
  completed: Map<string, number>;
  /** Submissions that never completed: stopped mid-turn (no reply) or refused by the usage limit. */
  interrupted: Map<string, number>;
  /** Platform jobs per task, and the distinct idempotency keys behind them. */
  jobs: Map<string, number>;
  keys: Map<string, Set<string>>;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/**
 * How often each task ran, told apart the way the queue rules do: a run that completed counts; a turn refused by the usage
 * limit or stopped mid-way (a swap stops the sessions, reconcile recreates a session it cannot trust) is an
 * interrupted run, whose task reconcile or a swap puts back in the queue to run again (at-least-once for those only).
 */
export async function tallyRuns(world: LoopWorld): Promise<RunTally> {
  const tally: RunTally = { completed: new Map(), interrupted: new Map(), jobs: new Map(), keys: new Map() };
  for (const submission of await submissions(world.home)) {
    const tag = /^\[([^\]]+)\]/.exec(submission.message)?.[1];
    if (!tag) continue;
    const completed = submission.model !== null && submission.model !== '<synthetic>';
    bump(completed ? tally.completed : tally.interrupted, tag);
  }
  for (const job of world.server.allJobs()) {
    const task = (job.request.metadata as { task?: unknown } | undefined)?.task;
    if (typeof task !== 'string') continue;
    const name = task.split('/').pop() as string;
    bump(tally.jobs, name);
    tally.keys.set(name, (tally.keys.get(name) ?? new Set()).add(job.idempotencyKey));
  }
  return tally;
}

/** Tasks the rules let run again: those with an interrupted local run (see tallyRuns). */
export function atLeastOnceTasks(tally: RunTally): Set<string> {
  return new Set(tally.interrupted.keys());
}

/**
 * The strict form of "nothing runs twice": per task at most one completed local run, at most one platform job
 * (one idempotency key), and never both. Returns one sentence per violation.
 */
export function ranTwice(world: LoopWorld, tally: RunTally): string[] {
  const problems: string[] = [];
  for (const { name } of world.tasks) {
    const local = tally.completed.get(name) ?? 0;
    const jobs = tally.jobs.get(name) ?? 0;
    const keys = tally.keys.get(name)?.size ?? 0;
    if (local > 1) problems.push(`${name}: ${local} completed local runs`);
    if (jobs > 1 || keys > 1) problems.push(`${name}: ${jobs} platform jobs under ${keys} idempotency keys`);
    if (local > 0 && jobs > 0) problems.push(`${name}: ran locally and on the platform`);
  }
  return problems;
}

/** Seeded PRNG (mulberry32): the same seed gives the same sequence of choices, so a failure can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seedFromEnv(): number {
  const given = process.env.RELIABILITY_SEED;
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed)) throw new Error(`RELIABILITY_SEED must be an integer, got ${given}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** Picks one of `choices` with the given weights. */
export function weighted<T>(random: () => number, choices: ReadonlyArray<readonly [T, number]>): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let r = random() * total;
  for (const [value, w] of choices) {
    if ((r -= w) < 0) return value;
  }
  return (choices[choices.length - 1] as readonly [T, number])[0];
}
