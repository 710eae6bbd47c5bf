import { isPoolSessionName, poolSessionNames, type Config } from '../../base/core/config.js';
import { retiringSessions } from '../../sessions/core/pool-plan.js';
import type { State } from '../../base/core/state.js';
import type { AccountHealth } from './account-health.js';

/**
 * The `status` report, built from facts the command gathered. Pure. Its JSON keys are a documented,
 * stable interface (README "status --json"): add keys freely, never rename or drop one.
 */

export interface AccountStatus {
  name: string;
  home: string;
  active: boolean;
  /** ISO time until which the account is known to be exhausted; null when usable. */
  exhaustedUntil: string | null;
  /** Since when its login is known to have failed (ISO); null when it is not known to have failed. */
  loginFailedAt: string | null;
  /** Whether `<home>/.credentials.json` exists. */
  credentialsPresent: boolean;
  /** The expiry its credentials file records (ISO); null when it records none. */
  loginExpiresAt: string | null;
  /** A refresh token is present: that expiry is a short-lived access token's, renewed by Claude Code itself. */
  loginRenewable: boolean;
}

export interface SessionStatus {
  name: string;
  /** `retiring`: a pool session of the tool's outside a shrunk range, closed once it holds nothing. */
  kind: 'pool' | 'dedicated' | 'retiring';
  /** Whether tmux has it right now; null when tmux could not be asked. */
  exists: boolean | null;
  state: string;
  task: string | null;
  project: string | null;
  since: string | null;
  /** How long it has been in this state, in milliseconds. */
  ageMs: number | null;
  attempts: number;
  lastFail: string | null;
}

export interface QueueStatus {
  project: string;
  inboxExists: boolean;
  pending: number;
  dispatched: number;
  delegating: number;
  delegated: number;
  done: number;
  failed: number;
}

export interface DelegatedJobStatus {
  project: string;
  task: string;
  jobId: string;
  provider: string;
  submittedAt: string;
  ageMs: number;
}

export interface LockStatus {
  command: string;
  pid: number;
  ageMs: number;
  stale: boolean;
}

export interface UnitStatus {
  unit: string;
  /** systemd's ActiveState (active, inactive, failed, …). */
  activeState: string;
  /** The last run's result (success, exit-code, timeout, …) for services; null when unknown. */
  result: string | null;
  /** When it last ran (timers: last trigger; services: last exit), ISO; null when never. */
  lastRun: string | null;
  failed: boolean;
}

export interface StatusReport {
  generatedAt: string;
  configFile: string | null;
  activeAccount: string;
  accounts: AccountStatus[];
  partialSwap: { since: string; reason: string } | null;
  swapInProgress: boolean;
  lastSwaps: State['swaps'];
  sessions: SessionStatus[];
  queues: QueueStatus[];
  delegatedJobs: DelegatedJobStatus[];
  counters: State['counters'];
  quotaSuspicion: State['quotaSuspicion'];
  lastDetections: State['detections'];
  lock: LockStatus | null;
  /** Unit health where systemd is present; null when it is not (or no units are installed). */
  units: UnitStatus[] | null;
  /** Problems met while gathering (tmux missing, unreadable inbox…): the report is still printed. */
  warnings: string[];
}

export interface StatusFacts {
  config: Config;
  state: State;
  now: Date;
  activeAccount: string;
  /** Live tmux session names, or null when tmux could not be asked. */
  liveSessions: Set<string> | null;
  queues: QueueStatus[];
  delegatedJobs: Array<Omit<DelegatedJobStatus, 'ageMs'>>;
  lock: LockStatus | null;
  units: UnitStatus[] | null;
  warnings: string[];
  /** Every configured account's health, in config order (operations/account-health.ts). */
  accountHealth: AccountHealth[];
}

const RECENT = 5;

export function buildStatus(facts: StatusFacts): StatusReport {
  const { config, state, now } = facts;
  const nowMs = now.getTime();
  const age = (iso: string | null | undefined) => (iso ? Math.max(0, nowMs - Date.parse(iso)) : null);

  const accounts = facts.accountHealth.map((health): AccountStatus => ({
    name: health.name,
    home: health.home,
    active: health.active,
    exhaustedUntil: health.exhaustedUntil,
    loginFailedAt: health.loginFailedAt,
    credentialsPresent: health.credentialsPresent,
    loginExpiresAt: health.loginExpiresAt,
    loginRenewable: health.loginRenewable,
  }));

  const configured = [
    ...poolSessionNames(config.pool.autonomous).map((name) => ({ name, kind: 'pool' as const })),
    ...config.pool.dedicated.map((d) => ({ name: d.session, kind: 'dedicated' as const, project: d.project })),
  ];
  const sessions: SessionStatus[] = configured.map((entry) => {
    const record = state.sessions[entry.name];
    return {
      name: entry.name,
      kind: entry.kind,
      exists: facts.liveSessions ? facts.liveSessions.has(entry.name) : null,
      state: record?.state ?? 'unknown',
      task: record?.task ?? null,
      project: record?.project ?? ('project' in entry ? entry.project : null),
      since: record?.since ?? null,
      ageMs: age(record?.since),
      attempts: record?.attempts ?? 0,
      lastFail: record?.lastFail ?? null,
    };
  });
  // Sessions the state remembers that are no longer configured are still worth seeing.
  const retiring = new Set(retiringSessions(config.pool.autonomous, new Set(config.pool.dedicated.map((d) => d.session)), Object.keys(state.sessions)));
  for (const [name, record] of Object.entries(state.sessions)) {
    if (configured.some((c) => c.name === name)) continue;
    sessions.push({
      name,
      kind: retiring.has(name) ? 'retiring' : isPoolSessionName(name, config.pool.autonomous) ? 'pool' : 'dedicated',
      exists: facts.liveSessions ? facts.liveSessions.has(name) : null,
      state: record.state,
      task: record.task,
      project: record.project,
      since: record.since,
      ageMs: age(record.since),
      attempts: record.attempts,
      lastFail: record.lastFail,
    });
  }

  return {
    generatedAt: now.toISOString(),
    configFile: config.file,
    activeAccount: facts.activeAccount,
    accounts,
    partialSwap: state.partialSwap,
    swapInProgress: state.swapJournal !== null,
    lastSwaps: state.swaps.slice(-RECENT),
    sessions,
    queues: facts.queues,
    delegatedJobs: facts.delegatedJobs.map((job) => ({ ...job, ageMs: age(job.submittedAt) ?? 0 })),
    counters: state.counters,
    quotaSuspicion: state.quotaSuspicion,
    lastDetections: state.detections.slice(-RECENT),
    lock: facts.lock,
    units: facts.units,
    warnings: facts.warnings,
  };
}
