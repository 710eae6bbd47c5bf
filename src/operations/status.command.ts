import { activeAccount } from '../accounts/active-account.js';
import { readDelegated } from '../delegation/marker-files.js';
import { inspectLock } from '../base/lock.js';
import { readFolder } from '../base/folders.js';
import { listInbox, queuePaths } from '../queue/files.js';
import { isFinishedTaskName, queueStateOf, type QueueState } from '../queue/core/task-state.js';
import { installedUnits, realSystemd, unitHealth, userUnitDir, type SystemdPort } from './systemctl.js';
import { projectDirs } from '../base/core/config.js';
import { ExitCode, errorMessage } from '../base/core/errors.js';
import { formatDuration } from '../base/core/duration.js';
import { table, type Style } from '../base/core/format.js';
import { buildStatus, type DelegatedJobStatus, type QueueStatus, type StatusReport, type UnitStatus } from './core/status.js';
import type { Context } from '../context.js';

export interface StatusOptions {
  /** Injected by tests; the real systemctl otherwise. */
  systemd?: SystemdPort;
}

/** `status`: one read-only screen of everything an operator checks. Takes no lock; changes nothing. */
export async function run(options: StatusOptions, ctx: Context): Promise<StatusReport> {
  const warnings: string[] = [];
  const state = await ctx.state.load();
  const [active, liveSessions, queueFacts, lock, units] = await Promise.all([
    activeAccount(ctx.config, state.activeAccount),
    ctx.tmux.listSessions().then(
      (names) => new Set(names),
      (error: unknown) => (warnings.push(`tmux: ${errorMessage(error)}`), null),
    ),
    gatherQueues(ctx, warnings),
    inspectLock(ctx.paths.stateDir, ctx.clock.now()),
    unitsOf(ctx, options.systemd ?? realSystemd, warnings),
  ]);
  return buildStatus({
    config: ctx.config,
    state,
    now: ctx.clock.now(),
    activeAccount: active.name,
    liveSessions,
    queues: queueFacts.queues,
    delegatedJobs: queueFacts.jobs,
    lock: lock && { command: lock.command, pid: lock.pid, ageMs: lock.ageMs, stale: lock.stale },
    units,
    warnings,
  });
}

async function countFinished(dir: string): Promise<number> {
  return (await readFolder(dir)).filter(isFinishedTaskName).length;
}

async function gatherQueues(ctx: Context, warnings: string[]) {
  const queues: QueueStatus[] = [];
  const jobs: Array<Omit<DelegatedJobStatus, 'ageMs'>> = [];
  for (const project of projectDirs(ctx.config)) {
    try {
      const listing = await listInbox(project);
      const paths = queuePaths(project);
      const [done, failed] = await Promise.all([countFinished(paths.done), countFinished(paths.failed)]);
      const count = (state: QueueState) => listing.tasks.filter((t) => queueStateOf(t) === state).length;
      queues.push({
        project,
        inboxExists: listing.exists,
        pending: count('pending'),
        dispatched: count('dispatched'),
        delegating: count('delegating'),
        delegated: count('delegated'),
        done,
        failed,
      });
      for (const task of listing.tasks.filter((t) => queueStateOf(t) === 'delegated')) {
        const marker = await readDelegated(task.path);
        if (marker?.ok) {
          jobs.push({ project, task: task.name, jobId: marker.value.jobId, provider: marker.value.provider, submittedAt: marker.value.submittedAt });
        } else if (marker) warnings.push(`${task.path}.delegated: ${marker.reason}`);
      }
    } catch (error) {
      warnings.push(`${project}: ${errorMessage(error)}`);
    }
  }
  return { queues, jobs };
}

/** Health of our installed units; null where systemd is absent or none are installed. */
async function unitsOf(ctx: Context, systemd: SystemdPort, warnings: string[]): Promise<UnitStatus[] | null> {
  const names = await installedUnits(userUnitDir(ctx.env, ctx.home));
  if (names.length === 0) return null;
  const health = await unitHealth(systemd, names);
  if (!health.ok) warnings.push(health.reason);
  return health.ok ? health.units : null;
}

export const exitCode = (report: StatusReport) => (report.partialSwap ? ExitCode.blocked : ExitCode.ok);

export function render(report: StatusReport, style: Style): string {
  const ago = (ms: number | null) => (ms === null ? '-' : formatDuration(ms));
  const out: string[] = [];
  if (report.partialSwap) {
    out.push(style.red(style.bold(`PARTIAL SWAP since ${report.partialSwap.since}: ${report.partialSwap.reason}`)));
    out.push(style.red('Every swap is refused until an operator repairs the homes and runs `claude-failover swap-account --clear-partial`.'));
  }
  out.push(style.bold('Accounts'));
  out.push(
    table(
      ['', 'ACCOUNT', 'HOME', 'EXHAUSTED UNTIL'],
      report.accounts.map((a) => [a.active ? style.green('*') : ' ', a.name, a.home, a.exhaustedUntil ? style.yellow(a.exhaustedUntil) : '-']),
    ),
  );
  const last = report.lastSwaps.at(-1);
  out.push(`last swap: ${last ? `${last.from ?? '?'} → ${last.to} at ${last.at} (${last.reason})` : 'none'}${report.swapInProgress ? style.yellow('  (a swap is in progress or was interrupted: reconcile finishes it)') : ''}`);

  out.push('', style.bold('Sessions'));
  const stateColor = (s: string) => (s === 'working' ? style.cyan(s) : s === 'stalled' || s === 'failed' ? style.red(s) : s);
  out.push(
    table(
      ['SESSION', 'KIND', 'TMUX', 'STATE', 'FOR', 'ATTEMPTS', 'TASK'],
      report.sessions.map((s) => [
        s.name,
        s.kind,
        s.exists === null ? '?' : s.exists ? 'up' : style.dim('down'),
        stateColor(s.state),
        ago(s.ageMs),
        String(s.attempts),
        s.task ?? '-',
      ]),
    ),
  );

  out.push('', style.bold('Queues'));
  out.push(
    table(
      ['PROJECT', 'PENDING', 'DISPATCHED', 'DELEGATED', 'DONE', 'FAILED'],
      report.queues.map((q) => [q.project + (q.inboxExists ? '' : style.dim(' (no inbox)')), String(q.pending), String(q.dispatched), String(q.delegated + q.delegating), String(q.done), String(q.failed)]),
    ),
  );
  if (report.delegatedJobs.length > 0) {
    out.push('', style.bold('Delegated jobs'));
    out.push(table(['JOB', 'PROVIDER', 'AGE', 'TASK'], report.delegatedJobs.map((j) => [j.jobId, j.provider, ago(j.ageMs), `${j.project}/${j.task}`])));
  }
  const c = report.counters;
  out.push('', `counters: dispatched ${c.dispatched}, delegated ${c.delegated} (completed ${c.delegationCompleted}, failed ${c.delegationFailed}, fell back ${c.delegationFellBack}), swaps ${c.swaps}`);
  if (report.quotaSuspicion) out.push(style.yellow(`quota suspicion: ${report.quotaSuspicion.session} since ${report.quotaSuspicion.since} (${report.quotaSuspicion.pattern})`));
  for (const d of report.lastDetections) {
    const field = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : null);
    const reset = field('resetAt');
    out.push(`detection ${field('at') ?? '?'}: ${field('session') ?? '?'} ${field('verdict') ?? '?'} (${field('pattern') ?? '?'})${reset ? ` until ${reset}` : ''}${field('action') ? ` → ${field('action')}` : ''}`);
  }
  out.push(report.lock ? `lock: held by ${report.lock.command} (pid ${report.lock.pid}) for ${ago(report.lock.ageMs)}${report.lock.stale ? style.red(' — stale') : ''}` : 'lock: free');
  if (report.units) {
    out.push('', style.bold('Units'));
    out.push(table(['UNIT', 'STATE', 'LAST RUN', 'RESULT'], report.units.map((u) => [u.unit, u.failed ? style.red(u.activeState) : u.activeState, u.lastRun ?? '-', u.result ?? '-'])));
  }
  for (const w of report.warnings) out.push(style.yellow(`warning: ${w}`));
  return out.join('\n');
}
