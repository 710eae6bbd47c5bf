import { activeAccount } from '../accounts/active-account.js';
import { inspectLock } from '../base/lock.js';
import { accountsHealth } from './account-health.js';
import { installedUnits, realSystemd, unitHealth, userUnitDir, type SystemdPort } from './systemctl.js';
import { ExitCode, errorMessage } from '../base/core/errors.js';
import { formatDuration } from '../base/core/duration.js';
import { table, type Style } from '../base/core/format.js';
import { buildStatus, type StatusReport, type UnitStatus } from './core/status.js';
import { gatherQueues } from './queue-facts.js';
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
    gatherQueues(ctx, warnings, { jobs: true }),
    inspectLock(ctx.paths.stateDir, ctx.clock.now()),
    unitsOf(ctx, options.systemd ?? realSystemd, warnings),
  ]);
  const now = ctx.clock.now();
  return buildStatus({
    config: ctx.config,
    state,
    now,
    accountHealth: await accountsHealth(ctx.config, state, active.name, now),
    activeAccount: active.name,
    liveSessions,
    queues: queueFacts.queues,
    delegatedJobs: queueFacts.jobs,
    lock: lock && { command: lock.command, pid: lock.pid, ageMs: lock.ageMs, stale: lock.stale },
    units,
    warnings,
  });
}

/** Health of our installed units; null where systemd is absent or none are installed. */
async function unitsOf(ctx: Context, systemd: SystemdPort, warnings: string[]): Promise<UnitStatus[] | null> {
  const names = await installedUnits(userUnitDir(ctx.env, ctx.home));
  if (names.length === 0) return null;
  const health = await unitHealth(systemd, names);
  if (!health.ok) warnings.push(health.reason);
  return health.ok ? health.units : null;
}

/** The login column: a failure first (it makes the account unusable), then missing credentials, then the expiry. */
function loginCell(account: StatusReport['accounts'][number], style: Style): string {
  if (account.loginFailedAt) return style.red(`failed since ${account.loginFailedAt}`);
  if (!account.credentialsPresent) return style.yellow('no credentials');
  if (account.loginExpiresAt === null) return 'ok';
  return account.loginRenewable ? `ok (token renews, next ${account.loginExpiresAt})` : `expires ${account.loginExpiresAt}`;
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
      ['', 'ACCOUNT', 'HOME', 'EXHAUSTED UNTIL', 'LOGIN'],
      report.accounts.map((a) => [a.active ? style.green('*') : ' ', a.name, a.home, a.exhaustedUntil ? style.yellow(a.exhaustedUntil) : '-', loginCell(a, style)]),
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
