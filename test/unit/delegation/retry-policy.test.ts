import { describe, expect, it } from 'vitest';
import { BACKOFF_CAP_MS, RETRYABLE_STATUSES, backoffMs, nextRetry, parseRetryAfter } from '../../../src/delegation/core/retry-policy.js';

describe('backoffMs', () => {
  it('doubles per retry, with half of each step random', () => {
    expect(backoffMs(1, () => 0)).toBe(125);
    expect(backoffMs(1, () => 0.999999)).toBe(250);
    expect(backoffMs(2, () => 0)).toBe(250);
    expect(backoffMs(3, () => 0.5)).toBe(750);
  });

  it('is capped', () => {
    expect(backoffMs(30, () => 0.999999)).toBe(BACKOFF_CAP_MS);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });
  it('reads an HTTP date, and a past date means now', () => {
    expect(parseRetryAfter('Sat, 21 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sat, 21 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('nextRetry', () => {
  const base = { maxRetries: 3, retryAfterMs: null, remainingMs: 60_000, random: () => 0 };
  it('retries with backoff until the retries are used up', () => {
    expect(nextRetry({ ...base, attempts: 1 })).toEqual({ retry: true, waitMs: 125 });
    expect(nextRetry({ ...base, attempts: 3 })).toEqual({ retry: true, waitMs: 500 });
    expect(nextRetry({ ...base, attempts: 4 })).toMatchObject({ retry: false, why: 'gave up after 4 attempts' });
  });
  it('lets Retry-After win over the backoff', () => {
    expect(nextRetry({ ...base, attempts: 1, retryAfterMs: 4000 })).toEqual({ retry: true, waitMs: 4000 });
  });
  it('stops when the wait would reach the deadline, naming the server wish', () => {
    const step = nextRetry({ ...base, attempts: 1, retryAfterMs: 120_000, remainingMs: 10_000 });
    expect(step).toEqual({ retry: false, why: 'no time left before the deadline (the server asked to retry after 120s)' });
  });
  it('retries exactly the statuses of the contract', () => {
    expect([...RETRYABLE_STATUSES].sort()).toEqual([408, 429, 500, 502, 503, 504]);
  });
});
