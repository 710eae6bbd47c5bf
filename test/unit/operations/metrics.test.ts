import { describe, expect, it } from 'vitest';
import { emptyState } from '../../../src/base/core/state.js';
import type { AccountHealth } from '../../../src/operations/core/account-health.js';
import { renderExposition } from '../../../src/operations/core/exposition.js';
import { fleetMetrics, TASK_STATES } from '../../../src/operations/core/metrics.js';
import { buildTestConfig } from '../../support/context.js';
import { parseOpenMetrics, prometheusTypes } from '../../support/openmetrics.js';

/**
 * The metric families are a documented interface (docs/operations.md): this list is that contract. A family may be
 * added; renaming or removing one fails here.
 */
const FAMILIES = {
  claude_failover_tasks: { type: 'gauge', labels: ['project', 'state'] },
  claude_failover_sessions: { type: 'gauge', labels: ['kind', 'session', 'state'] },
  claude_failover_account_active: { type: 'gauge', labels: ['account'] },
  claude_failover_account_exhausted_until_seconds: { type: 'gauge', labels: ['account'] },
  claude_failover_account_login_failed: { type: 'gauge', labels: ['account'] },
  claude_failover_account_credentials_present: { type: 'gauge', labels: ['account'] },
  claude_failover_account_login_expires_seconds: { type: 'gauge', labels: ['account'] },
  claude_failover_account_login_renewable: { type: 'gauge', labels: ['account'] },
  claude_failover_partial_swap: { type: 'gauge', labels: [] },
  claude_failover_swaps: { type: 'counter', labels: [] },
  claude_failover_tasks_dispatched: { type: 'counter', labels: [] },
  claude_failover_delegation_jobs: { type: 'counter', labels: ['outcome'] },
  claude_failover_last_run_timestamp_seconds: { type: 'gauge', labels: ['command', 'result'] },
  claude_failover_last_run_duration_seconds: { type: 'gauge', labels: ['command', 'result'] },
} as const;

const health = (name: string, over: Partial<AccountHealth> = {}): AccountHealth => ({
  name, home: `/h/.claude-${name}`, active: false, exhaustedUntil: null, loginFailedAt: null, loginFailure: null,
  credentialsPresent: true, loginExpiresAt: null, loginRenewable: false, credentialsProblem: null, ...over,
});

function facts() {
  const config = buildTestConfig('/h', { pool: { autonomous: { prefix: 'ccl-auto-', start_index: 11, min: 2, max: 2 }, dedicated: [{ session: 'ccl-1-web', project: '/h/web' }] } });
  const state = emptyState();
  state.sessions['ccl-auto-11'] = { state: 'working', task: '/h/web/.agent-queue/inbox/a.md.dispatched', project: '/h/web', since: '2026-12-01T00:00:00.000Z', lastFail: null, attempts: 1 };
  state.sessions['ccl-old-3'] = { state: 'stalled', task: null, project: null, since: '2026-12-01T00:00:00.000Z', lastFail: null, attempts: 0 };
  state.counters = { ...state.counters, swaps: 3, dispatched: 9, delegated: 4, delegationCompleted: 2, delegationFailed: 1, delegationFellBack: 1 };
  state.partialSwap = { since: '2026-12-01T00:00:00.000Z', reason: 'flip back failed' };
  return {
    config,
    state,
    accounts: [
      health('main', { active: true, exhaustedUntil: '2026-12-02T10:00:00.000Z', loginExpiresAt: '2027-01-01T00:00:00.000Z' }),
      health('backup', { loginFailedAt: '2026-12-01T08:00:00.000Z', credentialsPresent: false }),
    ],
    queues: [{ project: '/h/web', inboxExists: true, pending: 2, delegating: 1, delegated: 0, dispatched: 1, done: 5, failed: 1 }],
    lastRuns: [
      { command: 'reconcile', result: 'ok' as const, exitCode: 0, at: '2026-12-02T05:00:00.500Z', durationMs: 250 },
      { command: 'reconcile', result: 'busy' as const, exitCode: 75, at: '2026-12-02T05:00:30.000Z', durationMs: 5000 },
    ],
  };
}

const value = (family: ReturnType<typeof parseOpenMetrics> extends Map<string, infer F> ? F : never, labels: Record<string, string>) =>
  family.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('fleet metrics', () => {
  it('every documented family, with its type and labels, passes the strict OpenMetrics parser', () => {
    const parsed = parseOpenMetrics(renderExposition(fleetMetrics(facts()), 'openmetrics'));
    for (const [name, spec] of Object.entries(FAMILIES)) {
      const family = parsed.get(name);
      expect(family, name).toBeDefined();
      expect(family?.type, name).toBe(spec.type);
      for (const sample of family?.samples ?? []) expect(Object.keys(sample.labels).sort(), name).toEqual([...spec.labels].sort());
    }
    // Counters keep their _total samples under the family name; the textfile dialect types the samples themselves.
    expect(parsed.get('claude_failover_swaps')?.samples).toEqual([{ name: 'claude_failover_swaps_total', labels: {}, value: 3 }]);
    const types = prometheusTypes(renderExposition(fleetMetrics(facts()), 'prometheus'));
    expect(types.get('claude_failover_delegation_jobs_total')).toBe('counter');
  });

  it('says what the files say', () => {
    const parsed = parseOpenMetrics(renderExposition(fleetMetrics(facts()), 'openmetrics'));
    const family = (name: string) => parsed.get(name) as NonNullable<ReturnType<typeof parsed.get>>;
    // Every queue state of every project, zeros included.
    expect(family('claude_failover_tasks').samples.map((s) => [s.labels.state, s.value])).toEqual(TASK_STATES.map((s) => [s, { pending: 2, delegating: 1, delegated: 0, dispatched: 1, done: 5, failed: 1 }[s]]));
    // One-hot per session: configured ones (unknown without a record) and a remembered one no longer configured.
    const sessions = family('claude_failover_sessions');
    expect(sessions.samples.filter((s) => s.value === 1).map((s) => `${s.labels.session}:${s.labels.kind}:${s.labels.state}`)).toEqual([
      'ccl-auto-11:pool:working', 'ccl-auto-12:pool:unknown', 'ccl-1-web:dedicated:unknown', 'ccl-old-3:dedicated:stalled',
    ]);
    expect(sessions.samples).toHaveLength(4 * 5);
    expect(value(family('claude_failover_account_active'), { account: 'main' })).toBe(1);
    expect(value(family('claude_failover_account_exhausted_until_seconds'), { account: 'main' })).toBe(Date.parse('2026-12-02T10:00:00Z') / 1000);
    expect(value(family('claude_failover_account_exhausted_until_seconds'), { account: 'backup' })).toBe(0);
    expect(value(family('claude_failover_account_login_failed'), { account: 'backup' })).toBe(1);
    expect(value(family('claude_failover_account_credentials_present'), { account: 'backup' })).toBe(0);
    // An expiry only where the credentials record one: 0 would read as "expired in 1970".
    expect(family('claude_failover_account_login_expires_seconds').samples.map((s) => s.labels.account)).toEqual(['main']);
    expect(value(family('claude_failover_partial_swap'), {})).toBe(1);
    expect(family('claude_failover_delegation_jobs').samples.map((s) => [s.labels.outcome, s.value])).toEqual([['submitted', 4], ['completed', 2], ['failed', 1], ['fell_back', 1]]);
    expect(value(family('claude_failover_tasks_dispatched'), {})).toBe(9);
    expect(value(family('claude_failover_last_run_timestamp_seconds'), { command: 'reconcile', result: 'busy' })).toBe(Date.parse('2026-12-02T05:00:30Z') / 1000);
    expect(value(family('claude_failover_last_run_duration_seconds'), { command: 'reconcile', result: 'ok' })).toBe(0.25);
  });
});
