/**
 * The secutools HTTP client. ky does the requests; the retry loop is ours because the contract needs
 * what ky's built-in retry does not give: a per-attempt timeout *and* an overall deadline, retries on timeouts,
 * Retry-After capped by that deadline, and an injectable clock so tests neither sleep nor flake.
 *
 * The API key lives only in the Authorization header of outgoing requests. No message this module builds contains
 * it (ky's own HTTPError text is never used), and every string taken from the server is scrubbed of it.
 */

import ky, { type KyInstance } from 'ky';
import type { Config, DelegationStatus } from '../base/core/config.js';
import { ExitCode, FailoverError, errorMessage, usageError } from '../base/core/errors.js';
import { RETRYABLE_STATUSES, nextRetry, parseRetryAfter } from './core/retry-policy.js';
import {
  oneLine,
  parseJobAnswer,
  parseSubmitAnswer,
  scrubSecret,
  type Job,
  type SubmitRequest,
  type SubmittedJob,
} from './core/contract.js';
import { AnswerTooLarge, nodeHttpFetch } from './http-fetch.js';
import { systemClock, type Clock } from '../base/clock.js';
import type { Log } from '../base/log.js';

export interface SecutoolsClient {
  /** POST /api/v1/jobs; retried with the same Idempotency-Key, so a retry can never create a second job. */
  submit(request: SubmitRequest, idempotencyKey: string): Promise<SubmittedJob>;
  /** GET /api/v1/jobs/{id}; a 404 is `secutools-not-found`. `deadlineMs` shortens this call's overall deadline. */
  getJob(jobId: string, options?: { deadlineMs?: number }): Promise<Job>;
}

/** The clock, plus the jitter source of the backoff (in [0, 1)). */
export interface Timing extends Clock {
  random(): number;
}

export const timingOf = (clock: Clock): Timing => ({ ...clock, random: Math.random });

export interface SecutoolsClientOptions {
  baseUrl: string;
  apiKey: string;
  /** The variable the key came from, named (never the key) in authentication errors. */
  apiKeyEnv: string;
  requestTimeoutMs: number;
  retries: number;
  /** Overall time for one call including every retry; default twice the per-attempt timeout. */
  deadlineMs?: number;
  timing?: Timing;
  log?: Log;
}

/** Answers larger than this are refused (while they arrive): a job result is text for a human, not a download. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

const failed = (code: string, message: string, hint?: string) =>
  new FailoverError(ExitCode.failed, code, message, hint === undefined ? {} : { hint });

type Attempt =
  | { kind: 'answer'; status: number; body: string; contentType: string; retryAfter: string | null }
  | { kind: 'timeout' }
  | { kind: 'network'; detail: string };

class AttemptTimeout extends Error {}

export function createSecutoolsClient(options: SecutoolsClientOptions): SecutoolsClient {
  const timing = options.timing ?? timingOf(systemClock);
  const defaultDeadlineMs = options.deadlineMs ?? options.requestTimeoutMs * 2;
  const http: KyInstance = ky.create({
    prefixUrl: options.baseUrl,
    retry: 0,
    timeout: false, // per-attempt timeouts are ours: they cover reading the body too, not only the headers
    throwHttpErrors: false,
    // node:http instead of undici: ~30 MB less resident memory per run (see http-fetch.ts)
    fetch: (input, init) => nodeHttpFetch(input, init, { maxBodyBytes: MAX_ANSWER_BYTES }),
    // A redirect would carry the bearer header to wherever it points: refuse it and say so instead.
    redirect: 'manual',
    headers: { accept: 'application/json' },
    hooks: { beforeRequest: [(request) => void request.headers.set('authorization', `Bearer ${options.apiKey}`)] },
  });
  const scrub = (text: string) => scrubSecret(text, options.apiKey);

  async function attempt(method: 'get' | 'post', path: string, init: { json?: unknown; headers?: Record<string, string> }, timeoutMs: number): Promise<Attempt> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
    try {
      const response = await http(path, { method, signal: controller.signal, ...init });
      const body = await response.text();
      return {
        kind: 'answer',
        status: response.status,
        body,
        contentType: response.headers.get('content-type') ?? '',
        retryAfter: response.headers.get('retry-after'),
      };
    } catch (error) {
      if (controller.signal.aborted) return { kind: 'timeout' };
      if (error instanceof AnswerTooLarge) throw failed('secutools-malformed', `secutools sent more than ${MAX_ANSWER_BYTES} bytes for ${method.toUpperCase()} /${path}; refused`);
      return { kind: 'network', detail: networkDetail(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one call with retries; returns the first non-retryable answer, or throws a classified error. */
  async function call(method: 'get' | 'post', path: string, init: { json?: unknown; headers?: Record<string, string> }, deadlineMs = defaultDeadlineMs) {
    const label = `${method.toUpperCase()} /${path}`;
    const start = timing.monotonicMs();
    let last: Attempt | undefined;
    for (let attempts = 1; ; attempts++) {
      const remaining = deadlineMs - (timing.monotonicMs() - start);
      last = await attempt(method, path, init, Math.max(1, Math.min(options.requestTimeoutMs, remaining)));
      if (last.kind === 'answer' && !RETRYABLE_STATUSES.has(last.status)) return last;
      const retryAfterMs = last.kind === 'answer' ? parseRetryAfter(last.retryAfter, timing.now().getTime()) : null;
      const step = nextRetry({
        attempts,
        maxRetries: options.retries,
        retryAfterMs,
        remainingMs: deadlineMs - (timing.monotonicMs() - start),
        random: timing.random,
      });
      const what = describeAttempt(last, options.requestTimeoutMs);
      if (!step.retry) throw finalError(label, last, attempts, step.why, options.requestTimeoutMs, scrub);
      options.log?.debug(`secutools ${label}: attempt ${attempts} ${what}; retrying in ${(step.waitMs / 1000).toFixed(1)}s`);
      await timing.sleep(step.waitMs);
    }
  }

  function rejected(label: string, answer: Extract<Attempt, { kind: 'answer' }>): FailoverError {
    const message = scrub(serverMessage(answer));
    if (answer.status === 401 || answer.status === 403) {
      return failed(
        'secutools-rejected',
        `secutools refused the credentials (HTTP ${answer.status} on ${label}): an authentication problem with $${options.apiKeyEnv}${message ? ` — ${message}` : ''}`,
        `check that $${options.apiKeyEnv} holds a valid secutools API key`,
      );
    }
    if (answer.status >= 300 && answer.status < 400) {
      return failed('secutools-rejected', `secutools answered a redirect (HTTP ${answer.status}) on ${label}; redirects are not followed so the key stays with delegation.base_url`, 'check delegation.base_url');
    }
    return failed('secutools-rejected', `secutools rejected ${label} with HTTP ${answer.status}${message ? `: ${message}` : ''}`);
  }

  function parseJson(label: string, answer: Extract<Attempt, { kind: 'answer' }>): unknown {
    try {
      return JSON.parse(answer.body);
    } catch {
      const looksHtml = /^\s*</.test(answer.body) || answer.contentType.includes('html');
      throw failed(
        'secutools-malformed',
        `secutools answered ${label} with ${looksHtml ? 'HTML' : 'text that is not JSON'} (HTTP ${answer.status}${answer.contentType ? `, ${oneLine(answer.contentType, 60)}` : ''}); expected the documented JSON`,
        looksHtml ? 'a proxy or login page may sit in front of delegation.base_url' : undefined,
      );
    }
  }

  return {
    async submit(request, idempotencyKey) {
      const label = 'POST /api/v1/jobs';
      const answer = await call('post', 'api/v1/jobs', { json: request, headers: { 'idempotency-key': idempotencyKey } });
      if (answer.status !== 200 && answer.status !== 201) throw rejected(label, answer);
      const parsed = parseSubmitAnswer(parseJson(label, answer));
      if (!parsed.ok) throw failed('secutools-malformed', `secutools answered ${label} with unexpected JSON: ${scrub(parsed.reason)}`);
      return parsed.value;
    },
    async getJob(jobId, callOptions = {}) {
      const path = `api/v1/jobs/${encodeURIComponent(jobId)}`;
      const label = `GET /${path}`;
      const answer = await call('get', path, {}, Math.min(defaultDeadlineMs, callOptions.deadlineMs ?? defaultDeadlineMs));
      if (answer.status === 404) throw failed('secutools-not-found', `secutools does not know job ${jobId} (HTTP 404)`);
      if (answer.status !== 200) throw rejected(label, answer);
      const parsed = parseJobAnswer(parseJson(label, answer), jobId);
      if (!parsed.ok) throw failed('secutools-malformed', `secutools answered ${label} with unexpected JSON: ${scrub(parsed.reason)}`);
      const job = parsed.value;
      return {
        ...job,
        provider: job.provider === null ? null : oneLine(scrub(job.provider), 80),
        result: job.result === null ? null : scrub(job.result),
        error: job.error === null ? null : oneLine(scrub(job.error), 1000),
      };
    },
  };
}

function describeAttempt(attempt: Attempt, timeoutMs: number): string {
  if (attempt.kind === 'timeout') return `timed out (no answer within ${timeoutMs / 1000}s or the deadline)`;
  if (attempt.kind === 'network') return `failed: ${attempt.detail}`;
  return `got HTTP ${attempt.status}`;
}

function finalError(label: string, last: Attempt, attempts: number, why: string, timeoutMs: number, scrub: (t: string) => string): FailoverError {
  const tried = `${attempts} attempt${attempts === 1 ? '' : 's'}, ${why}`;
  if (last.kind === 'timeout') {
    return failed('secutools-timeout', `secutools did not answer ${label} in time (per attempt ${timeoutMs / 1000}s; ${tried})`, 'check that secutools is up, or raise delegation.request_timeout');
  }
  if (last.kind === 'network') {
    return failed('secutools-unreachable', `secutools is unreachable for ${label}: ${last.detail} (${tried})`, 'check delegation.base_url and the network');
  }
  const message = scrub(serverMessage(last));
  return failed('secutools-unreachable', `secutools kept answering ${label} with HTTP ${last.status}${message ? ` (${message})` : ''} (${tried})`);
}

/** The human message of an error answer: a JSON `error` / `message` / `detail` field, else a short text excerpt. */
function serverMessage(answer: { body: string; contentType: string }): string {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (typeof parsed === 'object' && parsed !== null) {
      for (const key of ['error', 'message', 'detail']) {
        const value = (parsed as Record<string, unknown>)[key];
        if (typeof value === 'string') return oneLine(value);
        if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string') {
          return oneLine((value as { message: string }).message);
        }
      }
    }
  } catch {
    // not JSON: fall through to a text excerpt
  }
  if (/^\s*</.test(answer.body)) return '(an HTML page)';
  return oneLine(answer.body, 200);
}

/** What went wrong on the wire, from undici's error and its cause (ECONNREFUSED, ENOTFOUND, socket closed...). */
function networkDetail(error: unknown): string {
  const cause = error instanceof Error ? ((error.cause ?? error) as { code?: unknown; message?: unknown }) : undefined;
  if (cause && typeof cause.code === 'string') return `${cause.code}${typeof cause.message === 'string' ? ` (${oneLine(cause.message, 120)})` : ''}`;
  if (cause && typeof cause.message === 'string') return oneLine(cause.message, 160);
  return oneLine(errorMessage(error), 160);
}

/**
 * The client for a configured command. Delegation must be active (enabled and the key variable set): otherwise a
 * usage error (exit 2) that names what to change, never the key.
 */
export function secutoolsFromConfig(config: Config, status: DelegationStatus, log: Log, clock: Clock): SecutoolsClient {
  if (!status.active) {
    throw usageError(
      `delegation is not active: ${status.reason}`,
      `set delegation.enabled: true in ${config.file ?? 'the config'} and export the API key in $${config.delegation.apiKeyEnv}`,
    );
  }
  return createSecutoolsClient({
    baseUrl: config.delegation.baseUrl,
    apiKey: status.apiKey,
    apiKeyEnv: config.delegation.apiKeyEnv,
    requestTimeoutMs: config.delegation.requestTimeoutMs,
    retries: config.delegation.retries,
    timing: timingOf(clock),
    log,
  });
}
