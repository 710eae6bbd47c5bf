import { describe, expect, it } from 'vitest';
import {
  localRoute,
  parseDelegatedMarker,
  parseIntent,
  parseLocalFallback,
  runsLocally,
  type DelegatedMarker,
} from '../../../src/delegation/core/markers.js';
import { decideReap, delegationFooter } from '../../../src/delegation/core/reap-plan.js';
import { decide } from '../../../src/queue/core/routing.js';
import { parseJobAnswer, parseSubmitAnswer, scrubSecret, type Job } from '../../../src/delegation/core/contract.js';

describe('runsLocally (the contract dispatch relies on)', () => {
  const local = decide({ needsClaudeCode: false, preferredAi: null, allowDelegation: false });
  const gpu = decide({ needsClaudeCode: false, preferredAi: 'gpu', allowDelegation: true });
  it.each([
    [local, true, false, true],
    [local, false, false, true],
    [gpu, true, false, false],
    [gpu, false, false, true],
    [gpu, true, true, true],
  ])('route %#', (route, active, fellBack, expected) => {
    expect(runsLocally(route, { active }, fellBack)).toBe(expected);
  });

  it('localRoute keeps the original reason and says why it runs here', () => {
    expect(localRoute(gpu, 'delegation not active: x')).toEqual({
      provider: 'claude-code',
      delegated: false,
      reason: 'preferred_ai=gpu, allow_delegation=true; delegation not active: x → runs locally',
    });
  });
});

describe('parseSubmitAnswer', () => {
  it('accepts the documented answer', () => {
    expect(parseSubmitAnswer({ job_id: 'job-1', status: 'queued' })).toEqual({ ok: true, value: { jobId: 'job-1', status: 'queued' } });
  });
  it.each([
    [null, 'expected a JSON object'],
    [[1], 'expected a JSON object, got a list'],
    [{ status: 'queued' }, '"job_id" is missing'],
    [{ job_id: 42, status: 'queued' }, '"job_id" is number 42'],
    [{ job_id: '', status: 'queued' }, 'expected a plain identifier'],
    [{ job_id: '../../admin', status: 'queued' }, 'expected a plain identifier'],
    [{ job_id: 'a?b=1', status: 'queued' }, 'expected a plain identifier'],
    [{ job_id: 'job-1', status: 'done' }, 'unknown status "done"'],
    [{ job_id: 'job-1' }, '"status" is undefined'],
  ])('refuses %j', (body, reason) => {
    const parsed = parseSubmitAnswer(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('parseJobAnswer', () => {
  const full = { job_id: 'job-1', status: 'completed', provider: 'gpu', result: 'hi', error: null, cost_usd: 0.5 };
  it('accepts the documented answer and optional fields left out', () => {
    expect(parseJobAnswer(full, 'job-1')).toEqual({ ok: true, value: { jobId: 'job-1', status: 'completed', provider: 'gpu', result: 'hi', error: null, costUsd: 0.5 } });
    expect(parseJobAnswer({ job_id: 'job-1', status: 'running' }, 'job-1')).toMatchObject({ ok: true, value: { provider: null, costUsd: null } });
  });
  it('refuses an answer about another job (a server that mixes jobs up is lying)', () => {
    expect(parseJobAnswer(full, 'job-2')).toEqual({ ok: false, reason: 'asked for job job-2 but the answer is about job job-1' });
  });
  it.each([
    [{ ...full, result: 7 }, '"result" is number 7'],
    [{ ...full, cost_usd: '1.00' }, '"cost_usd" is the text "1.00"'],
    [{ ...full, cost_usd: -1 }, '"cost_usd" is number -1'],
    [{ ...full, status: 'exploded' }, 'unknown status'],
  ])('refuses wrong types %#', (body, reason) => {
    const parsed = parseJobAnswer(body, 'job-1');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('scrubSecret', () => {
  it('masks every occurrence', () => {
    expect(scrubSecret('a KEY b KEY', 'KEY')).toBe('a [redacted] b [redacted]');
  });
});

/** A valid `.delegated` marker, with the fields a test cares about overridden. */
const delegatedMarker = (overrides: Partial<DelegatedMarker> = {}): DelegatedMarker => ({
  version: 1,
  jobId: 'job-1',
  provider: 'auto',
  priority: 'default',
  title: null,
  submittedAt: '2026-11-21T12:00:00.000Z',
  idempotencyKey: 'k-123456789',
  ...overrides,
});

describe('marker parsing', () => {
  const marker = delegatedMarker({ provider: 'gpu', priority: 'high', title: 'T' });
  it('round-trips a marker and an intent', () => {
    expect(parseDelegatedMarker(JSON.stringify(marker))).toEqual({ ok: true, value: marker });
    const intent = { version: 1, idempotencyKey: 'k', provider: 'auto', priority: 'low', createdAt: marker.submittedAt };
    expect(parseIntent(JSON.stringify(intent))).toEqual({ ok: true, value: intent });
    expect(parseLocalFallback(JSON.stringify({ version: 1, reason: 'r', at: marker.submittedAt, provider: 'gpu', idempotencyKey: null })).ok).toBe(true);
  });
  it.each([
    ['{', 'not valid JSON'],
    ['[]', 'not a JSON object'],
    [JSON.stringify({ ...marker, version: 2 }), 'unsupported marker version 2'],
    [JSON.stringify({ ...marker, jobId: '../x' }), 'jobId is not a job id'],
    [JSON.stringify({ ...marker, provider: 'claude-code' }), 'not a delegated provider'],
    [JSON.stringify({ ...marker, final: { outcome: 'maybe' } }), 'final outcome is malformed'],
  ])('refuses a broken marker %#', (text, reason) => {
    const parsed = parseDelegatedMarker(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });
});

describe('decideReap', () => {
  const marker = delegatedMarker();
  const job = (overrides: Partial<Job>): Job => ({ jobId: 'job-1', status: 'running', provider: 'gemini', result: null, error: null, costUsd: null, ...overrides });
  const now = new Date('2026-11-21T13:00:00.000Z');
  const hour = 3_600_000;

  it('completed → done with the result', () => {
    const decision = decideReap(marker, { kind: 'job', job: job({ status: 'completed', result: 'R', costUsd: 0.25 }) }, now, 6 * hour);
    expect(decision).toEqual({
      action: 'finish',
      final: { outcome: 'done', status: 'completed', reason: 'completed', result: 'R', ranOn: 'gemini', costUsd: 0.25, finishedAt: now.toISOString() },
    });
  });
  it('failed / cancelled → failed with the platform error', () => {
    for (const status of ['failed', 'cancelled'] as const) {
      const decision = decideReap(marker, { kind: 'job', job: job({ status, error: 'OOM on gpu-3' }) }, now, 6 * hour);
      expect(decision).toMatchObject({ action: 'finish', final: { outcome: 'failed', status, reason: `secutools job ${status}: OOM on gpu-3` } });
    }
  });
  it('running within the job timeout → wait; past it → failed "timed out"', () => {
    expect(decideReap(marker, { kind: 'job', job: job({}) }, now, 6 * hour)).toEqual({ action: 'wait', status: 'running', ageMs: hour });
    const late = decideReap(marker, { kind: 'job', job: job({ status: 'queued' }) }, now, 30 * 60_000);
    expect(late).toMatchObject({ action: 'finish', final: { outcome: 'failed', status: 'timed-out' } });
    if (late.action === 'finish') expect(late.final.reason).toBe('timed out: still queued 1h after submission (delegation.job_timeout is 30m)');
  });
  it('404 → failed "unknown job"; network trouble → keep', () => {
    expect(decideReap(marker, { kind: 'not-found', message: 'secutools does not know job job-1' }, now, hour)).toMatchObject({
      action: 'finish',
      final: { outcome: 'failed', status: 'unknown-job', reason: 'unknown job: secutools does not know job job-1' },
    });
    expect(decideReap(marker, { kind: 'error', code: 'secutools-unreachable', message: 'down' }, now, 0)).toEqual({ action: 'keep', message: 'down' });
  });
  it('the footer names where it ran, the cost, the job and the times', () => {
    const decision = decideReap(marker, { kind: 'job', job: job({ status: 'completed', result: 'R', costUsd: 0.25 }) }, now, 6 * hour);
    if (decision.action !== 'finish') throw new Error('expected finish');
    expect(delegationFooter(marker, { ...decision.final, taskInode: null })).toEqual({
      'ran on': 'secutools (gemini)',
      'requested provider': 'auto',
      cost: '$0.2500',
      'job id': 'job-1',
      submitted: marker.submittedAt,
      finished: now.toISOString(),
      duration: '1h',
      by: 'claude-failover reap-delegated',
    });
  });
});
