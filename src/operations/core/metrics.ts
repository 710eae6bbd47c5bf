/**
 * The fleet as metric families, from what the files say (state, queues, last runs, credentials): no tmux call, so a
 * scrape every 15 seconds costs a few directory listings. Every family is always present and every label set
 * that can exist is always emitted (0 where nothing is), so an alert on a value never confuses "zero" with "gone".
 * Names, labels and meanings are a documented interface (docs/operations.md): add freely, never rename.
 */

import { isPoolSessionName, poolSessionNames, type Config } from '../../base/core/config.js';
import type { State } from '../../base/core/state.js';
import type { AccountHealth } from './account-health.js';
import type { MetricFamily, Sample } from './exposition.js';
import type { LastRun } from './last-run.js';
import type { QueueStatus } from './status.js';

export const TASK_STATES = ['pending', 'delegating', 'delegated', 'dispatched', 'done', 'failed'] as const;
export const SESSION_METRIC_STATES = ['idle', 'working', 'stalled', 'failed', 'unknown'] as const;

export interface MetricsFacts {
  config: Pick<Config, 'pool'>;
  state: State;
  accounts: readonly AccountHealth[];
  queues: readonly QueueStatus[];
  lastRuns: readonly LastRun[];
}

const seconds = (iso: string) => Date.parse(iso) / 1000;
const flag = (value: boolean) => (value ? 1 : 0);

function family(name: string, type: MetricFamily['type'], help: string, samples: Sample[], unit: string | null = null): MetricFamily {
  return { name, type, help, unit, samples };
}

function sessionSamples(config: MetricsFacts['config'], state: State): Sample[] {
  const configured = [
    ...poolSessionNames(config.pool.autonomous).map((name) => ({ name, kind: 'pool' })),
    ...config.pool.dedicated.map((d) => ({ name: d.session, kind: 'dedicated' })),
  ];
  // Sessions the state still remembers but the config no longer names are shown as status shows them.
  for (const name of Object.keys(state.sessions)) {
    if (!configured.some((c) => c.name === name)) configured.push({ name, kind: isPoolSessionName(name, config.pool.autonomous) ? 'pool' : 'dedicated' });
  }
  return configured.flatMap(({ name, kind }) => {
    const current = state.sessions[name]?.state ?? 'unknown';
    return SESSION_METRIC_STATES.map((s) => ({ labels: { session: name, kind, state: s }, value: flag(s === current) }));
  });
}

export function fleetMetrics(facts: MetricsFacts): MetricFamily[] {
  const { state, accounts } = facts;
  const perAccount = (value: (a: AccountHealth) => number | null) =>
    accounts.flatMap((a) => {
      const v = value(a);
      return v === null ? [] : [{ labels: { account: a.name }, value: v }];
    });
  const counters = state.counters;
  return [
    family(
      'claude_failover_tasks', 'gauge', 'Tasks per project and queue state, from the queue files.',
      facts.queues.flatMap((q) => TASK_STATES.map((s) => ({ labels: { project: q.project, state: s }, value: q[s] }))),
    ),
    family(
      'claude_failover_sessions', 'gauge',
      'Configured sessions by kind (pool, dedicated) and recorded state: 1 for the state each is in, 0 for the others.',
      sessionSamples(facts.config, state),
    ),
    family('claude_failover_account_active', 'gauge', 'Whether the account is the active one (1) or not (0).', perAccount((a) => flag(a.active))),
    family(
      'claude_failover_account_exhausted_until_seconds', 'gauge',
      'Unix time until which the account is known to be exhausted by a usage limit; 0 when it is usable.',
      perAccount((a) => (a.exhaustedUntil ? seconds(a.exhaustedUntil) : 0)), 'seconds',
    ),
    family(
      'claude_failover_account_login_failed', 'gauge',
      'Whether the account is known to have a failed login (1) until a turn on it succeeds again; 0 otherwise.',
      perAccount((a) => flag(a.loginFailedAt !== null)),
    ),
    family(
      'claude_failover_account_credentials_present', 'gauge', 'Whether the account home holds a .credentials.json (1) or not (0).',
      perAccount((a) => flag(a.credentialsPresent)),
    ),
    family(
      'claude_failover_account_login_expires_seconds', 'gauge',
      'Unix time at which the credentials of the account expire (claudeAiOauth.expiresAt); absent when they record none.',
      perAccount((a) => (a.loginExpiresAt ? seconds(a.loginExpiresAt) : null)), 'seconds',
    ),
    family(
      'claude_failover_account_login_renewable', 'gauge',
      'Whether the credentials carry a refresh token (1): their expiry is then a short-lived token that Claude Code renews.',
      perAccount((a) => (a.loginExpiresAt ? flag(a.loginRenewable) : null)),
    ),
    family(
      'claude_failover_partial_swap', 'gauge', 'Whether the sticky partial-swap flag is set (1): every swap is refused until an operator clears it.',
      [{ labels: {}, value: flag(state.partialSwap !== null) }],
    ),
    family('claude_failover_swaps', 'counter', 'Account swaps done.', [{ labels: {}, value: counters.swaps }]),
    family('claude_failover_tasks_dispatched', 'counter', 'Tasks given to pool sessions.', [{ labels: {}, value: counters.dispatched }]),
    family(
      'claude_failover_delegation_jobs', 'counter',
      'Delegated secutools jobs by outcome: submitted, completed, failed, fell_back (the submission failed for good and the task ran locally).',
      [
        { labels: { outcome: 'submitted' }, value: counters.delegated },
        { labels: { outcome: 'completed' }, value: counters.delegationCompleted },
        { labels: { outcome: 'failed' }, value: counters.delegationFailed },
        { labels: { outcome: 'fell_back' }, value: counters.delegationFellBack },
      ],
    ),
    family(
      'claude_failover_last_run_timestamp_seconds', 'gauge',
      'Unix time at which each command last ended with each result (ok, failed, usage, blocked, busy); dry runs are not counted.',
      facts.lastRuns.map((r) => ({ labels: { command: r.command, result: r.result }, value: seconds(r.at) })), 'seconds',
    ),
    family(
      'claude_failover_last_run_duration_seconds', 'gauge', 'How long that last run of each command and result took.',
      facts.lastRuns.map((r) => ({ labels: { command: r.command, result: r.result }, value: r.durationMs / 1000 })), 'seconds',
    ),
  ];
}

/** How many samples the families hold (for the one-line summary of `--textfile`). */
export const sampleCount = (families: readonly MetricFamily[]) => families.reduce((n, f) => n + f.samples.length, 0);
