/**
 * When and how long to wait before retrying a secutools call. Pure: the random source and the clock are
 * passed in, so tests are deterministic and the adapter only sleeps what this module says.
 */

/** Statuses that say "try again later" rather than "your request is wrong". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 8_000;

/**
 * Exponential backoff with "equal jitter": half of the exponential step is fixed, the other half random, so a
 * fleet of clients that failed together does not retry together, yet no retry comes back instantly.
 * `retry` counts from 1 (the first retry).
 */
export function backoffMs(retry: number, random: () => number, base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS): number {
  const step = Math.min(cap, base * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns milliseconds from `nowMs`
 * (0 for a date in the past), or null when absent or unparseable (then the normal backoff applies).
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (text === '' || /^[-+]?\d/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

export type RetryStep = { retry: true; waitMs: number } | { retry: false; why: string };

/**
 * Decides the next step after a failed attempt: retry after `waitMs`, or stop. The server's `Retry-After` wins over
 * our backoff; a wait that would end past the overall deadline stops now (waiting only to run out of time helps
 * nobody, and the caller reports the server's wish).
 */
export function nextRetry(input: {
  /** Attempts made so far (1 after the first). */
  attempts: number;
  maxRetries: number;
  retryAfterMs: number | null;
  remainingMs: number;
  random: () => number;
}): RetryStep {
  if (input.attempts > input.maxRetries) return { retry: false, why: `gave up after ${input.attempts} attempts` };
  const waitMs = input.retryAfterMs ?? backoffMs(input.attempts, input.random);
  // Leave room for the next attempt itself: a retry with no time left would only time out.
  if (waitMs >= input.remainingMs) {
    const asked = input.retryAfterMs === null ? '' : ` (the server asked to retry after ${Math.ceil(input.retryAfterMs / 1000)}s)`;
    return { retry: false, why: `no time left before the deadline${asked}` };
  }
  return { retry: true, waitMs };
}
