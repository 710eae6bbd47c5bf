/**
 * How a turn ended, as Claude Code recorded it: the transcript's API-error record, the StopFailure hook's `error`
 * kind, or — last — the reply line the pane shows above the input box. Pure. Every release writes an API-error
 * record (`isApiErrorMessage: true`) for a failed turn; what names the failure differs:
 * - 2.1.100: `error` only (`rate_limit`, `authentication_failed`, `unknown` for a 400 or a 5xx), the text as content;
 * - 2.1.200: `apiErrorStatus` too (400, 401, 403, 429, 500, 529), `error: "server_error"` for 5xx;
 * - 2.1.328 and later: `apiErrorType` too (`invalid_request_error`, `authentication_error`, `permission_error`, …).
 * A failed login says `Please run /login` (401 expired, 403 revoked) on every release. Reconcile and check-quota both
 * read a turn through this file, so they never disagree about what a record means.
 */

import { isRecord } from '../../base/core/json.js';
import { readLimitRecord, recordText, type RecordReading } from './limit-record.js';
import { serverErrorIn } from './limit-wordings.js';

export type LimitReading = Extract<RecordReading, { kind: 'limit' }>;

export type TurnFailure =
  /** A usage limit: check-quota's case (the limit reading carries its kind and reset). */
  | { kind: 'usage-limit'; message: string | null; limit: LimitReading | null }
  /** The account's login is not accepted (401/403, `authentication_failed`, `Please run /login`). */
  | { kind: 'login-failed'; status: number | null; message: string }
  /** Any other API error: 400, 5xx after Claude Code's own retries, anything unknown. */
  | {
      kind: 'failed';
      status: number | null;
      server: boolean;
      /** The server-error marker (`transcript-500`, `transcript-overloaded_error`, …) when it is one, else null. */
      marker: string | null;
      message: string;
    };

export type TurnReading =
  /** Not a turn's end: a user record, a record that is no object, or nothing at all. */
  | { kind: 'none' }
  /** An assistant reply that is no API error: the turn got an answer. */
  | { kind: 'answered' }
  | { kind: 'failure'; failure: TurnFailure };

const LOGIN_STATUSES = new Set([401, 403]);
const LOGIN_ERROR_TYPES = new Set(['authentication_error', 'permission_error']);
/** Claude Code's own words for a login it cannot use, whatever the release. */
const LOGIN_WORDING = /Please run \/login|Invalid API key|OAuth token (?:has expired|revoked)|authentication_error/i;
/** What a message may carry into state, logs and footers: one line, bounded. */
export const MAX_FAILURE_MESSAGE = 300;

/** A failure message fit for a footer or a notification: whitespace folded, bounded. */
export function failureMessage(text: string | null, fallback: string): string {
  const folded = (text ?? '').replace(/\s+/g, ' ').trim();
  if (folded === '') return fallback;
  return folded.length > MAX_FAILURE_MESSAGE ? `${folded.slice(0, MAX_FAILURE_MESSAGE - 1)}…` : folded;
}

/** An assistant reply that is no API error: the turn it ends got an answer. */
export function isAnswer(record: unknown): boolean {
  return isRecord(record) && record.type === 'assistant' && record.isApiErrorMessage !== true;
}

/** What one transcript record says of the turn it ends. `now` only dates a usage limit's reset. */
export function readTurnRecord(record: unknown, now: Date, defaultZone?: string): TurnReading {
  if (isAnswer(record)) return { kind: 'answered' };
  if (!isRecord(record) || record.type === 'user' || record.isApiErrorMessage !== true) return { kind: 'none' };
  const status = typeof record.apiErrorStatus === 'number' ? record.apiErrorStatus : null;
  const error = typeof record.error === 'string' ? record.error : null;
  const errorType = typeof record.apiErrorType === 'string' ? record.apiErrorType : null;
  const text = recordText(record);
  const message = failureMessage(text, `API error ${status ?? error ?? 'unknown'}`);
  if (error === 'authentication_failed' || LOGIN_STATUSES.has(status ?? 0) || LOGIN_ERROR_TYPES.has(errorType ?? '') || (text !== null && LOGIN_WORDING.test(text))) {
    return { kind: 'failure', failure: { kind: 'login-failed', status, message } };
  }
  const limit = readLimitRecord(record, now, defaultZone);
  if (limit.kind === 'limit') return { kind: 'failure', failure: { kind: 'usage-limit', message, limit } };
  const named = text === null ? null : serverErrorIn(text, true);
  const marker = limit.kind === 'server-error' ? limit.marker : status !== null && status >= 500 ? `transcript-${status}` : named !== null ? `transcript-${named}` : null;
  return { kind: 'failure', failure: { kind: 'failed', status, server: marker !== null, marker, message } };
}

/**
 * What a StopFailure hook's `error` kind and `last_assistant_message` say: `rate_limit` is a usage limit unless its
 * text names a server error (overloads are reported as rate limits too), `authentication_failed` or login wording
 * is a failed login, anything else (`unknown`, `invalid_request`, `server_error`, …) a failed turn.
 */
export function readStopFailure(error: string, message: string | null): TurnFailure {
  const text = failureMessage(message, `API error (${error})`);
  const status = statusIn(message);
  if (error === 'authentication_failed' || (message !== null && LOGIN_WORDING.test(message))) return { kind: 'login-failed', status, message: text };
  const named = message === null ? null : serverErrorIn(message, true);
  const server = (status !== null && status >= 500) || error === 'server_error' || named !== null;
  if (error === 'rate_limit' && !server) return { kind: 'usage-limit', message: text, limit: null };
  return { kind: 'failed', status, server, marker: server ? `signal-${named ?? status ?? error}` : null, message: text };
}

const API_ERROR_STATUS = /API Error:\s*(\d{3})\b/;

function statusIn(text: string | null): number | null {
  const match = text === null ? null : API_ERROR_STATUS.exec(text);
  return match ? Number(match[1]) : null;
}

const RULE = /^─{10,}\s*$/;
/** The first line of a reply block: `● …` (2.1.200 on) or `⎿  …` under the message (2.1.100, and login lines). */
const BLOCK_START = /^\s*(?:●|⎿)\s+(.*)$/;
/**
 * Lines between the reply and the input box that say nothing of it: turn-done, effort, blank, and notices drawn
 * flush right (`tmux focus-events off · …`).
 */
const FILLER = /^\s*(?:[✻✢✳✶✽·]\s+\S+ for \d|[◐◑◒◓●○]\s+\w+\s+·\s+\/effort\s*$|$)|^\s{10,}\S/;
/** A wrapped line of a reply block: indented under its first line. */
const CONTINUATION = /^ {1,6}\S/;
const USER_LINE = /^❯\s/;
const ERROR_START = /^(?:API Error:\s*\d{3}\b|Please run \/login|OAuth token revoked|Invalid API key)/;

/**
 * The failure the pane's last reply shows, when that reply is an API error: the block just above the input box
 * (`● API Error: 400 …`, `⎿  Please run /login · API Error: 401 …`, `⎿  OAuth token revoked · …`). Only the newest
 * reply counts, and only when it starts as Claude Code's error lines do: quoted words in a conversation never match.
 * A limit banner is not read here (limit-scan.ts owns those).
 */
export function paneTurnFailure(pane: string): TurnFailure | null {
  const lines = pane.split('\n');
  let box = -1;
  for (let i = lines.length - 1; i >= 1; i--) {
    if (RULE.test(lines[i] as string) && i >= 2 && RULE.test(lines[i - 2] as string)) {
      box = i - 2;
      break;
    }
  }
  if (box < 0) return null;
  let end = box - 1;
  while (end >= 0 && FILLER.test(lines[end] as string)) end--;
  // The reply block: back from its last line to the line that starts it (bounded: a block of a few lines).
  for (let i = end, seen = 0; i >= 0 && seen < 8; i--, seen++) {
    // A sent message above: the reply to it has not come yet (what is above is an older turn's).
    if (USER_LINE.test(lines[i] as string)) return null;
    const start = BLOCK_START.exec(lines[i] as string);
    if (!start) continue;
    const rest: string[] = [];
    for (const line of lines.slice(i + 1, end + 1)) {
      if (!CONTINUATION.test(line) || FILLER.test(line)) break;
      rest.push(line.trim());
    }
    const text = [start[1] as string, ...rest].join(' ');
    if (!ERROR_START.test(text)) return null;
    return readStopFailure(LOGIN_WORDING.test(text) ? 'authentication_failed' : 'unknown', text);
  }
  return null;
}
