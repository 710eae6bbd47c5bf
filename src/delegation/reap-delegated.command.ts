import { join } from 'node:path';
import {
  markerPath,
  readDelegated,
  removeMarker,
  taskInode,
  writeMarker,
  writeResultBeside,
} from './marker-files.js';
import { failpoint } from '../base/failpoint.js';
import { findByInode, listInbox, moveWithFooter, queuePaths, type InboxTask } from '../queue/files.js';
import { queueStateOf } from '../queue/core/task-state.js';
import type { SecutoolsClient } from './secutools-client.js';
import { projectDirs } from '../base/core/config.js';
import { mapLimit } from '../base/core/concurrency.js';
import { byTask, type DelegatedMarker, type RecordedOutcome } from './core/markers.js';
import { formatDuration } from '../base/core/duration.js';
import { FailoverError, errorMessage } from '../base/core/errors.js';
import { plural, table, type Style } from '../base/core/format.js';
import { decideReap, delegationFooter, type PollAnswer } from './core/reap-plan.js';
import { platformGuard } from './core/platform-guard.js';
import { emptyState, type Counters } from '../base/core/state.js';
import type { Context } from '../context.js';

/**
 * `reap-delegated`: polls every `.delegated` job with bounded concurrency and moves finished tasks.
 * Crash-safe order per job: (1) the outcome, result text included, is recorded in the marker; (2) the task moves
 * to done/ or failed/ with its footer; (3) the result file is written beside it; (4) the marker goes. A kill after
 * (1) is finished by the next run without asking the platform again (the job may be gone by then); after (2) the
 * moved file is found again by its inode; (3) and (4) are idempotent.
 */

export interface ReapOptions {
  dryRun: boolean;
}

export interface ReapedTask {
  project: string;
  task: string;
  jobId: string;
  status: RecordedOutcome['status'];
  reason: string;
  ranOn: string | null;
  costUsd: number | null;
  /** Where the task went; null in a dry run (or when its file had vanished). */
  movedTo: string | null;
  resultFile: string | null;
}

export interface ReapResult {
  dryRun: boolean;
  delegation: { active: boolean; reason: string | null };
  /** Jobs asked about in this run, and how many at once. */
  polled: number;
  concurrency: number;
  completed: ReapedTask[];
  failed: ReapedTask[];
  waiting: Array<{ project: string; task: string; jobId: string; status: 'queued' | 'running'; age: string }>;
  /** Jobs that could not be polled now (network, garbage, delegation off): they stay as they are. */
  unreachable: Array<{ project: string; task: string; jobId: string; message: string }>;
  errors: Array<{ project: string; task?: string; message: string }>;
}

interface Delegated {
  entry: InboxTask;
  marker: DelegatedMarker;
}

export async function run(options: ReapOptions, ctx: Context): Promise<ReapResult> {
  if (options.dryRun) return reap(options, ctx, emptyState().counters);
  return ctx.withLock('reap-delegated', async (lock) => {
    const state = await ctx.state.load(lock);
    const before = JSON.stringify(state.counters);
    const result = await reap(options, ctx, state.counters);
    if (JSON.stringify(state.counters) !== before) await ctx.state.save(state, lock);
    return result;
  });
}

async function reap(options: ReapOptions, ctx: Context, counters: Counters): Promise<ReapResult> {
  const status = ctx.delegation();
  const concurrency = ctx.config.delegation.pollConcurrency;
  const result: ReapResult = {
    dryRun: options.dryRun,
    delegation: { active: status.active, reason: status.active ? null : status.reason },
    polled: 0,
    concurrency,
    completed: [],
    failed: [],
    waiting: [],
    unreachable: [],
    errors: [],
  };
  const jobs = await collect(ctx, result);
  if (jobs.length === 0) return result;

  let client: SecutoolsClient | null = null;
  if (jobs.some((j) => j.marker.final === undefined)) {
    if (status.active) client = await ctx.secutools();
    else ctx.log.warn(`delegated jobs cannot be polled: delegation is not active (${status.reason}); they stay as they are`);
  }
  const platform = platformGuard();
  // Polls are capped at poll_concurrency (what the platform sees); twice as many workers let the fsync-bound file
  // moves of finished jobs run while other polls are in flight, instead of each poll waiting for the disk.
  const polls = limiter(concurrency);
  /**
   * Polls one job in a poll slot, or answers null when the platform was found down meanwhile. Both the check and
   * the finding happen inside the slot: a worker that queued for a slot before the platform was found down must
   * not poll after it, and the next worker in line is let in only once the finding is recorded.
   */
  const pollInSlot = (secutools: SecutoolsClient, jobId: string) =>
    polls(async () => {
      if (platform.down !== null) return null;
      result.polled++;
      const answer = await poll(secutools, jobId);
      if (answer.kind === 'error') platform.note(answer.code);
      return answer;
    });

  await mapLimit(jobs, concurrency * 2, async ({ entry, marker }) => {
    const where = { project: entry.project, task: entry.name, jobId: marker.jobId };
    try {
      let final = marker.final;
      if (final === undefined) {
        if (client === null) {
          result.unreachable.push({ ...where, message: `delegation is not active: ${status.active ? '' : status.reason}` });
          return;
        }
        const answer = await pollInSlot(client, marker.jobId);
        if (answer === null) {
          result.unreachable.push({ ...where, message: `not polled: ${platform.skipped()}` });
          return;
        }
        const decision = decideReap(marker, answer, ctx.clock.now(), ctx.config.delegation.jobTimeoutMs);
        if (decision.action === 'keep') {
          result.unreachable.push({ ...where, message: decision.message });
          return;
        }
        if (decision.action === 'wait') {
          result.waiting.push({ ...where, status: decision.status, age: formatDuration(decision.ageMs) });
          return;
        }
        final = { ...decision.final, taskInode: options.dryRun ? null : await taskInode(entry.path) };
        if (!options.dryRun) {
          await writeMarker(markerPath.delegated(entry.path), { ...marker, final });
          failpoint('reap-delegated:after-record');
        }
      }
      const reaped = options.dryRun ? { movedTo: null, resultFile: null } : await finish(entry, marker, final, ctx);
      const report: ReapedTask = { ...where, status: final.status, reason: final.reason, ranOn: final.ranOn, costUsd: final.costUsd, ...reaped };
      if (final.outcome === 'done') {
        result.completed.push(report);
        if (!options.dryRun) counters.delegationCompleted++;
      } else {
        result.failed.push(report);
        if (!options.dryRun) counters.delegationFailed++;
      }
      if (!options.dryRun) {
        const line = `${entry.project}: ${entry.name} (job ${marker.jobId}) ${final.outcome === 'done' ? 'completed' : final.reason} → ${reaped.movedTo ?? `${final.outcome}/`}`;
        if (final.outcome === 'done') ctx.log.info(line);
        else ctx.log.warn(line);
      }
    } catch (error) {
      result.errors.push({ project: entry.project, task: entry.name, message: `reaping job ${marker.jobId}: ${errorMessage(error)}` });
    }
  });

  // Concurrent workers finish in any order; reports read better (and compare in tests) in a stable one.
  for (const list of [result.completed, result.failed, result.waiting, result.unreachable, result.errors] as Array<Array<{ project: string; task?: string }>>) {
    list.sort(byTask);
  }
  return result;
}

/** Runs at most `limit` of the given tasks at once; the others wait their turn in arrival order. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

/** Every `.delegated` marker in every inbox, parsed; unreadable ones are reported and left for an operator. */
async function collect(ctx: Context, result: ReapResult): Promise<Delegated[]> {
  const jobs: Delegated[] = [];
  for (const project of projectDirs(ctx.config)) {
    let entries: InboxTask[];
    try {
      entries = (await listInbox(project)).tasks.filter((t) => queueStateOf(t) === 'delegated');
    } catch (error) {
      result.errors.push({ project, message: `cannot list the inbox: ${errorMessage(error)}` });
      continue;
    }
    for (const entry of entries) {
      const marker = await readDelegated(entry.path).catch((error: unknown) => ({ ok: false as const, reason: errorMessage(error) }));
      if (marker === null) continue; // reaped meanwhile
      if (!marker.ok) {
        result.errors.push({ project, task: entry.name, message: `${entry.name}.delegated is unreadable (${marker.reason}); left for an operator` });
        continue;
      }
      jobs.push({ entry, marker: marker.value });
    }
  }
  return jobs;
}

async function poll(client: SecutoolsClient, jobId: string): Promise<PollAnswer> {
  try {
    return { kind: 'job', job: await client.getJob(jobId) };
  } catch (error) {
    if (!(error instanceof FailoverError)) throw error;
    if (error.code === 'secutools-not-found') return { kind: 'not-found', message: error.message };
    return { kind: 'error', code: error.code, message: error.message };
  }
}

/** Steps (2)–(4) of the header comment; each one is safe to repeat after a kill. */
async function finish(entry: InboxTask, marker: DelegatedMarker, final: RecordedOutcome, ctx: Context): Promise<{ movedTo: string | null; resultFile: string | null }> {
  const outcomeDir = queuePaths(entry.project)[final.outcome];
  let movedTo: string | null;
  // Only the file the outcome was recorded for moves: a new task of the same name that arrived after a killed run
  // moved the original is left alone (its inode differs).
  const current = await taskInode(entry.path);
  if (current !== null && current === final.taskInode) {
    movedTo = await moveWithFooter(entry.path, entry.project, final.outcome, delegationFooter(marker, final));
    failpoint('reap-delegated:after-move');
  } else {
    // Moved by a run that was killed before removing the marker, or removed by hand.
    movedTo = final.taskInode === null ? null : await findByInode(outcomeDir, final.taskInode);
    if (movedTo === null) ctx.log.warn(`${entry.project}: ${entry.name} is no longer in the inbox; job ${marker.jobId} is recorded without its task file`);
  }
  // Here, whichever way the failed task reached failed/, and before the marker goes: a run killed in between
  // notifies again on resume (at least once, never lost).
  if (final.outcome === 'failed' && movedTo !== null) {
    await ctx.notify({ event: 'task-failed', at: final.finishedAt, message: `${entry.name} (secutools job ${marker.jobId}): ${final.reason}`, project: entry.project, task: entry.name, jobId: marker.jobId, movedTo });
  }
  let resultFile: string | null = null;
  if (final.outcome === 'done') {
    resultFile = await writeResultBeside(movedTo ?? join(outcomeDir, entry.name), final.result ?? '');
    failpoint('reap-delegated:after-result');
  }
  await removeMarker(markerPath.delegated(entry.path));
  failpoint('reap-delegated:after-unmark');
  return { movedTo, resultFile };
}

export function render(result: ReapResult, style: Style): string {
  const parts: string[] = [];
  parts.push(
    `${plural(result.polled, 'job')} polled (${result.concurrency} at a time): ${result.completed.length} completed, ${result.failed.length} failed, ` +
      `${result.waiting.length} still running, ${result.unreachable.length} not reachable` +
      (result.dryRun ? style.yellow(' (dry run: nothing moved)') : ''),
  );
  const finished = [...result.completed, ...result.failed];
  if (finished.length > 0) {
    parts.push(
      table(
        ['PROJECT', 'TASK', 'JOB', 'OUTCOME', 'RAN ON', 'COST', 'WHERE'],
        finished.map((t) => [
          t.project,
          t.task,
          t.jobId,
          t.status === 'completed' ? style.green(t.status) : style.red(t.reason),
          t.ranOn ?? '-',
          t.costUsd === null ? '-' : `$${t.costUsd.toFixed(4)}`,
          t.movedTo ?? (result.dryRun ? '(dry run)' : '-'),
        ]),
      ),
    );
  }
  if (result.waiting.length > 0) {
    parts.push(table(['PROJECT', 'TASK', 'JOB', 'STATUS', 'AGE'], result.waiting.map((w) => [w.project, w.task, w.jobId, w.status, w.age])));
  }
  for (const u of result.unreachable) parts.push(style.yellow(`not polled: ${u.project}/${u.task} (job ${u.jobId}): ${u.message}`));
  for (const e of result.errors) parts.push(style.red(`error: ${e.project}${e.task ? `/${e.task}` : ''}: ${e.message}`));
  return parts.join('\n\n');
}

/** Jobs that could not be polled and files that could not be moved make the run fail (exit 1), so timers show it. */
export const exitCode = (result: ReapResult) => (result.errors.length > 0 || result.unreachable.length > 0 ? 1 : 0);
