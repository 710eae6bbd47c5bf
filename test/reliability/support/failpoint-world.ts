import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { FakeJob, FakeSecutools } from '../../../src/fakes/secutools-server.js';
import { ACCOUNTS_RIG_OPTIONS, ENTRIES, withAccounts, type AccountsRig } from '../../support/accounts.js';
import { claudeFailover, type CliRun } from '../../support/cli.js';
import { testConfigYaml } from '../../support/context.js';
import { TEST_API_KEY, delegationConfig, startSecutools, taskText } from '../../support/delegation.js';
import type { World } from '../../support/invariants.js';
import { addTask, createRig, stopRig, type Rig } from '../../support/sessions.js';

/**
 * The small real worlds of the failpoint matrix. Each is private to one test, so rows run
 * concurrently: its own temp HOME, tmux server (`tmux -L <unique>`) with the fake `claude`, and, for the queue world,
 * its own fake secutools platform. The test's onTestFinished stops and removes it all.
 *
 * - `queue`: delegation on, one pool session, four tasks: one local, two delegated (the platform completes gpu.md's
 *   job and fails api.md's), and a hostile one (alias bomb, terminal control bytes) that scan-inbox quarantines.
 * - `pool`: two pool sessions and two local tasks, for dispatch and reconcile.
 * - `accounts`: the accounts rig (two homes on the shared-state contract, `~/.claude` → main, one pool session, a
 *   dedicated session with a conversation, `ccl-0` outside the config) and one local task, for swaps and links.
 */
export type WorldKind = 'queue' | 'pool' | 'accounts';

/** What else a command gets beside its arguments: more environment (a hook's tmux pane), its stdin. */
export interface Invocation {
  env?: NodeJS.ProcessEnv;
  input?: string;
}
export type End = 'done' | 'failed';

export interface TaskPlan {
  text: string;
  /** Where the task ends once everything settled. */
  ends: End;
  /** What the platform does with the task's job, for delegated tasks. */
  platform?: 'complete' | 'fail';
}

export interface FailpointWorld extends World {
  kind: WorldKind;
  rig: Rig;
  /** Set for the accounts world. */
  accountsRig: AccountsRig | null;
  plans: Map<string, TaskPlan>;
  /** The pool sessions the config asks for (reconcile keeps them at min). */
  poolSessions: string[];
  /** Runs `claude-failover <args>` as a subprocess of the built bin, with the failpoint armed when given. */
  run(args: string[], failpoint?: string, extra?: Invocation): Promise<CliRun>;
}

const HOSTILE = [
  '---',
  'a: &a [x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  '---',
  'rm -rf "$(echo ~)" \x1b[2J\x03 ; echo pwned',
  '',
].join('\n');

const PLANS: Record<WorldKind, Record<string, TaskPlan>> = {
  queue: {
    'local.md': { text: 'do local.md\n', ends: 'done' },
    'gpu.md': { text: taskText({ title: 'GPU work', priority: 'high', allow_delegation: true, preferred_ai: 'gpu', body: 'Summarise the GPU logs.' }), ends: 'done', platform: 'complete' },
    'api.md': { text: taskText({ allow_delegation: true, preferred_ai: 'claude-api', body: 'Review the API.' }), ends: 'failed', platform: 'fail' },
    'hostile.md': { text: HOSTILE, ends: 'failed' },
  },
  pool: {
    'a.md': { text: 'do a.md\n', ends: 'done' },
    'b.md': { text: 'do b.md\n', ends: 'done' },
  },
  accounts: {
    'a.md': { text: 'do a.md\n', ends: 'done' },
  },
};

async function rewriteConfig(rig: Rig): Promise<void> {
  await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
}

/** Builds a world of the given kind; `onFinished` gets the clean-up (the test context's onTestFinished). */
export async function buildWorld(kind: WorldKind, onFinished: (cleanup: () => Promise<void>) => void): Promise<FailpointWorld> {
  const home = await mkdtemp(join(tmpdir(), `cf-fp-${kind}-`));
  let rig: Rig | null = null;
  let server: FakeSecutools | null = null;
  onFinished(async () => {
    // The tmux server and every process in it are gone before the HOME they write into is removed.
    if (rig) await stopRig(rig);
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });
  rig = await createRig(home, kind === 'accounts' ? ACCOUNTS_RIG_OPTIONS : { pool: { min: kind === 'pool' ? 2 : 1, max: kind === 'pool' ? 2 : 1 }, dispatch: { session_cooldown: '1s' } });
  const made: Rig = rig;
  // Started by the first reconcile below, without the API key in its environment: nothing in tmux needs it.
  const run = (args: string[], failpoint?: string, extra: Invocation = {}) =>
    claudeFailover([...args, '--config', made.configPath], {
      env: { ...made.env, ...(server ? { SECUTOOLS_API_KEY: TEST_API_KEY } : {}), ...extra.env, ...(failpoint ? { CLAUDE_FAILOVER_FAILPOINT: failpoint } : {}) },
      timeoutMs: 45_000,
      ...(extra.input === undefined ? {} : { input: extra.input }),
    });

  let accountsRig: AccountsRig | null = null;
  if (kind === 'accounts') accountsRig = await withAccounts(made); // creates the sessions (reconcile) itself
  else {
    const first = await run(['reconcile']);
    if (first.exitCode !== 0) throw new Error(`the world's first reconcile failed: ${first.stderr}`);
  }
  if (kind === 'queue') {
    server = await startSecutools();
    made.configOverrides.delegation = delegationConfig(server.url);
    await rewriteConfig(made);
  }

  const plans = new Map(Object.entries(PLANS[kind]));
  for (const [name, plan] of plans) await addTask(made.project, name, plan.text);
  const pool = made.configOverrides.pool as { autonomous: { start_index: number; max: number } };
  return {
    kind,
    rig: made,
    accountsRig,
    plans,
    poolSessions: Array.from({ length: pool.autonomous.max }, (_, i) => `ccl-auto-${pool.autonomous.start_index + i}`),
    run,
    home,
    projects: [made.project],
    tasks: [...plans.keys()].map((name) => ({ project: made.project, name })),
    statePath: made.ctx.state.path,
    ...(server ? { server } : {}),
    ...(accountsRig
      ? { accounts: { activeLink: accountsRig.activeLink, homes: [accountsRig.homes.main, accountsRig.homes.backup], sharedRoot: join(home, '.claude-shared'), entries: ENTRIES } }
      : {}),
  };
}

/** The task file name a platform job was submitted for (its metadata.task). */
export function jobTask(job: FakeJob): string {
  return basename(String((job.request.metadata as { task?: unknown } | undefined)?.task ?? ''));
}

/** What the platform does with the jobs it holds: completes or fails each task's job as its plan says. */
export function playPlatform(world: FailpointWorld): void {
  for (const job of world.server?.allJobs() ?? []) {
    if (job.status !== 'queued' && job.status !== 'running') continue;
    const plan = world.plans.get(jobTask(job));
    if (plan?.platform === 'complete') world.server?.completeJob(job.id, { result: `Result of ${jobTask(job)}.` });
    if (plan?.platform === 'fail') world.server?.failJob(job.id, 'backend crashed');
  }
}

/** Turns under `home` take `turnMs` from now on (the fake reads its control file at the start of every turn). */
export async function setTurns(home: string, turnMs: number): Promise<void> {
  await writeFile(join(home, 'fake-claude-control.json'), JSON.stringify({ turnMs }));
}

export async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}
