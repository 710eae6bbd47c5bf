import { readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import { FAILPOINTS } from '../../../src/base/failpoint.js';
import { FOOTER_MARK } from '../../../src/queue/core/footer.js';
import { normalizeState, type State } from '../../../src/base/core/state.js';
import { DEDICATED, OTHER, liveIn } from '../../support/accounts.js';
import { expectSound } from '../../support/invariants.js';
import { queueFiles, submissionCount, submissions, waitFor } from '../../support/sessions.js';
import { buildWorld, jobTask, playPlatform, readJson, setTurns, type End, type FailpointWorld, type Invocation, type WorldKind } from './failpoint-world.js';

export type FailpointName = (typeof FAILPOINTS)[number];

/**
 * One row of the failpoint matrix: the command run with the failpoint armed, in which world, and how that world is
 * brought to the point where the command reaches the step. The row passes only if the process really died there
 * (SIGKILL), the state file parsed right after the kill, and the world came back sound.
 */
export interface FailpointRow {
  failpoint: FailpointName;
  /** `claude-failover` arguments of the killed command (also run again, unarmed, after the first reconcile). */
  command: string[];
  /** The environment and stdin of the killed command (a hook runs in a tmux pane, its JSON on stdin). */
  invocation?: (world: FailpointWorld) => Promise<Invocation>;
  /**
   * What runs after the first reconcile instead of the killed command again: what the timers run when nobody runs
   * that command again (a hook is not re-run; the check-quota timer is its safety net).
   */
  again?: string[];
  /** How the world reaches the step, in words (shown in the test name). */
  reach: string;
  world: WorldKind;
  prepare?: (world: FailpointWorld) => Promise<void>;
  /** Tasks allowed to run twice in this row, and the rule that says so. */
  atLeastOnce?: { tasks: string[]; design: string };
  /** Where tasks end when it differs from the world's plan (e.g. delegated tasks that fell back to local). */
  ends?: Record<string, End>;
  /** Row-specific checks right after the kill, before any recovery (what the step left behind). */
  killed?: (world: FailpointWorld) => Promise<void>;
  /** Row-specific promises, checked once the world settled. */
  check?: (world: FailpointWorld) => Promise<void>;
}

export const rowTitle = (row: FailpointRow) => `${row.failpoint} — \`${row.command.join(' ')}\` (${row.reach})`;

export async function expectExit(world: FailpointWorld, args: string[], code = 0): Promise<string> {
  const run = await world.run(args);
  expect(run.exitCode, `claude-failover ${args.join(' ')} exited ${run.exitCode}${run.signal ? ` (${run.signal})` : ''}:\n${run.stderr}`).toBe(code);
  return run.stdout;
}

export async function readState(world: FailpointWorld): Promise<State> {
  const parsed = normalizeState(await readJson(world.statePath));
  if (!parsed.ok) throw new Error(`state.json is invalid: ${parsed.reason}`);
  return parsed.state;
}

/** The queue every task ends in: the world's plan, the row's changes, and a result file per completed job. */
async function expectedQueue(world: FailpointWorld, row: FailpointRow): Promise<{ inbox: string[]; done: string[]; failed: string[] }> {
  const queue = { inbox: [] as string[], done: [] as string[], failed: [] as string[] };
  for (const [name, plan] of world.plans) queue[row.ends?.[name] ?? plan.ends].push(name);
  for (const job of world.server?.allJobs() ?? []) {
    if (job.status === 'completed') queue.done.push(`${basename(jobTask(job), '.md')}.result.md`);
  }
  queue.done.sort();
  queue.failed.sort();
  return queue;
}

async function settledProblem(world: FailpointWorld, row: FailpointRow): Promise<string | null> {
  const queue = await queueFiles(world.rig.project);
  const expected = await expectedQueue(world, row);
  if (JSON.stringify(queue) !== JSON.stringify(expected)) return `queue is ${JSON.stringify(queue)}, expected ${JSON.stringify(expected)}`;
  const state = await readState(world);
  const busy = Object.entries(state.sessions).filter(([, r]) => r.task !== null || r.launch);
  if (busy.length > 0) return `sessions still hold work: ${JSON.stringify(busy)}`;
  if (state.swapJournal) return `a swap is still journaled: ${JSON.stringify(state.swapJournal)}`;
  return null;
}

/** Ordinary passes, as the timers run them, until every task is where it ends (bounded in rounds and time). */
async function settle(world: FailpointWorld, row: FailpointRow): Promise<void> {
  const passes = world.server ? [['scan-inbox'], ['reap-delegated'], ['reconcile'], ['dispatch']] : [['reconcile'], ['dispatch']];
  let last: string | null = 'not looked yet';
  let rounds = 0;
  try {
    await waitFor('the tasks to settle', async () => {
      if (++rounds > 60) throw new Error('60 rounds of passes');
      for (const args of passes) {
        if (args[0] === 'reap-delegated') playPlatform(world);
        await expectExit(world, args);
      }
      last = await settledProblem(world, row);
      return last === null;
    }, 60_000, 200);
  } catch (error) {
    throw new Error(`${String(error)}; last seen: ${last}`);
  }
}

/** However often a submission was re-sent, the platform saw one idempotency key per task. */
function expectOneKeyPerTask(world: FailpointWorld): void {
  const server = world.server;
  if (!server) return;
  const jobs = server.allJobs();
  const jobKeys = new Set(jobs.map((j) => j.idempotencyKey));
  expect(jobKeys.size, 'two jobs share a key').toBe(jobs.length);
  const delegated = [...world.plans.entries()].filter(([, p]) => p.platform).map(([name]) => name);
  const keys = new Set(server.postKeys);
  expect(keys.size, `POST keys ${JSON.stringify(server.postKeys)} for ${delegated.length} delegated tasks`).toBeLessThanOrEqual(delegated.length);
  // A key that created no job belongs to a task whose submission failed for good and fell back to local.
  const withJob = new Set(jobs.map(jobTask));
  const fellBack = delegated.filter((name) => !withJob.has(name));
  expect([...keys].filter((k) => !jobKeys.has(k)).length).toBeLessThanOrEqual(fellBack.length);
}

/** Every task file that left the queue is its original text plus exactly one footer (moves are never repeated). */
async function expectFilesWhole(world: FailpointWorld, row: FailpointRow): Promise<void> {
  for (const [name, plan] of world.plans) {
    const text = await readFile(join(world.rig.project, '.agent-queue', row.ends?.[name] ?? plan.ends, name), 'utf8');
    expect(text.startsWith(plan.text), `${name} does not start with its original text`).toBe(true);
    expect(text.split(FOOTER_MARK).length - 1, `footers on ${name}`).toBe(1);
  }
}

/**
 * The other half of "exactly once" (the audit checks "at most once"): every task that reached done/ really ran, in
 * a local session or on the platform; a task moved to done/ without running would be lost work.
 */
async function expectDoneTasksRan(world: FailpointWorld, row: FailpointRow): Promise<void> {
  const jobs = (world.server?.allJobs() ?? []).map(jobTask);
  for (const [name, plan] of world.plans) {
    if ((row.ends?.[name] ?? plan.ends) !== 'done') continue;
    const runs = (await submissionCount(world.home, name)) + jobs.filter((task) => task === name).length;
    expect(runs, `${name} is in done/ but never ran`).toBeGreaterThanOrEqual(1);
  }
}

/** One active home (state and link agree), no journal, the operator's sessions whole and untouched. */
async function expectAccountsWhole(world: FailpointWorld): Promise<void> {
  const rig = world.accountsRig;
  if (!rig) return;
  const state = await readState(world);
  expect(state.partialSwap).toBeNull();
  const link = await readlink(rig.activeLink);
  expect([rig.homes.main, rig.homes.backup]).toContain(link);
  const account = link === rig.homes.main ? 'main' : 'backup';
  // A state that never recorded a swap means the account the world started on: main.
  expect(state.activeAccount ?? 'main').toBe(account);
  const dir = account === 'main' ? '.claude-main' : '.claude-backup';
  const elsewhere = account === 'main' ? '.claude-backup' : '.claude-main';
  // The dedicated conversation runs once, under the active account only.
  await waitFor(`the dedicated conversation under ${account}`, async () => {
    const here = await liveIn(rig, dir, DEDICATED);
    return here.length === 1 && here[0]?.sessionId === rig.dedicatedId && (await liveIn(rig, elsewhere, DEDICATED)).length === 0;
  });
  expect(await rig.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}')).toBe(rig.otherPid);
  // Nothing meant for a shell was ever typed into a Claude Code.
  expect((await submissions(world.home)).filter((s) => s.message.includes('CLAUDE_CONFIG_DIR'))).toEqual([]);
}

/**
 * The protocol of every row: kill at the step, check the state file, `reconcile`, the command again, ordinary
 * passes until the tasks settle, then the invariants (recorded under 'failpoints exercised') and the row's checks.
 */
export async function runRow(row: FailpointRow, onFinished: (cleanup: () => Promise<void>) => void): Promise<void> {
  const world = await buildWorld(row.world, onFinished);
  if (row.atLeastOnce) world.atLeastOnce = new Set(row.atLeastOnce.tasks);
  await row.prepare?.(world);

  const killed = await world.run(row.command, row.failpoint, await row.invocation?.(world));
  expect(killed.signal, `${row.failpoint} never fired: exit ${killed.exitCode}\n${killed.stderr}`).toBe('SIGKILL');
  // Whatever the command was writing, the state file on disk is whole, valid JSON (readState throws otherwise).
  await readState(world);
  await row.killed?.(world);

  // Later turns are quick, so whatever the recovery relaunches finishes soon.
  if (world.accountsRig) for (const home of Object.values(world.accountsRig.homes)) await setTurns(home, 300);
  await expectExit(world, ['reconcile']);
  await expectExit(world, row.again ?? row.command);
  let unsettled: unknown = null;
  await settle(world, row).catch((error: unknown) => void (unsettled = error));
  await expectSound(world, 'failpoints exercised');
  if (unsettled) throw unsettled;

  await expectFilesWhole(world, row);
  await expectDoneTasksRan(world, row);
  expectOneKeyPerTask(world);
  for (const task of row.atLeastOnce?.tasks ?? []) expect(await submissionCount(world.home, task), `${task} ran more than once more`).toBeLessThanOrEqual(2);
  await expectAccountsWhole(world);
  // The pool is whole again: every configured session exists and is known to the state.
  expect(await world.rig.tmux.listSessions()).toEqual(expect.arrayContaining(world.poolSessions));
  expect(Object.keys((await readState(world)).sessions)).toEqual(expect.arrayContaining(world.poolSessions));
  await row.check?.(world);
}
