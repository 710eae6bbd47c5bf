import { isAbsolute, normalize, posix } from 'node:path';
import { printable } from '../../base/core/format.js';
import { isRecord, type Check } from '../../base/core/json.js';
import { isUuid } from '../../base/core/uuid.js';

/**
 * The JSON Claude Code writes on a hook's stdin. Every release sends `session_id`, `transcript_path`, `cwd` and
 * `hook_event_name`; a StopFailure adds `error` (the kind of API error: `rate_limit`, `authentication_failed`,
 * `invalid_request`, `server_error`, `unknown`, ... whatever the release names) and `last_assistant_message` (the
 * error text the pane shows). Anyone can run a hook command by hand, so nothing here is trusted: sizes are
 * bounded, ids must be ids, paths must be plain absolute paths, text is made printable. Pure.
 */

/** The StopFailure kinds that mean the account cannot go on: check-quota is started at once for them. */
export const ACCOUNT_STOPPING_FAILURES = ['rate_limit', 'authentication_failed'] as const;

const MAX_KIND = 64;
const MAX_MESSAGE = 2000;
const MAX_PATH = 4096;

export interface HookPayload {
  sessionId: string | null;
  transcriptPath: string | null;
  cwd: string | null;
}

export interface StopFailurePayload extends HookPayload {
  /** The error kind, bounded and printable. */
  error: string;
  /** `last_assistant_message`, bounded, control characters shown as `\xNN`; null when absent. */
  message: string | null;
}

const bounded = (text: string, max: number) => printable(text.length > max ? `${text.slice(0, max)}…` : text);

/**
 * A plain absolute path: no `..` or doubled slash to hide where it points, not huge. Control characters are allowed
 * (a project folder may have one in its name, and the cwd then does): the signal stores them JSON-escaped and every
 * log line shows them as `\xNN`.
 */
function plainPath(value: string): boolean {
  return value.length <= MAX_PATH && isAbsolute(value) && !value.includes('\0') && normalize(value) === value;
}

/** The common fields, checked: a field that is there must be what Claude Code sends, or the payload is refused. */
function commonFields(data: Record<string, unknown>): Check<HookPayload> {
  const { session_id: sessionId, transcript_path: transcriptPath, cwd } = data;
  if (sessionId !== undefined && !isUuid(sessionId)) return { ok: false, reason: 'session_id is not a UUID' };
  if (transcriptPath !== undefined && (typeof transcriptPath !== 'string' || !plainPath(transcriptPath) || !transcriptPath.endsWith('.jsonl'))) {
    return { ok: false, reason: 'transcript_path is not an absolute path to a .jsonl transcript' };
  }
  if (typeof sessionId === 'string' && typeof transcriptPath === 'string' && posix.basename(transcriptPath) !== `${sessionId}.jsonl`) {
    return { ok: false, reason: 'transcript_path is not the transcript of session_id' };
  }
  if (cwd !== undefined && (typeof cwd !== 'string' || !plainPath(cwd))) return { ok: false, reason: 'cwd is not an absolute path' };
  return {
    ok: true,
    value: {
      sessionId: typeof sessionId === 'string' ? sessionId.toLowerCase() : null,
      transcriptPath: typeof transcriptPath === 'string' ? transcriptPath : null,
      cwd: typeof cwd === 'string' ? cwd : null,
    },
  };
}

function jsonObject(text: string): Check<Record<string, unknown>> {
  if (text.trim() === '') return { ok: false, reason: 'no hook JSON on stdin' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'stdin is not JSON' };
  }
  return isRecord(data) ? { ok: true, value: data } : { ok: false, reason: 'the hook JSON is not an object' };
}

/**
 * A Stop payload: null when stdin was empty (a run by hand: the signal is recorded without ids), or why it is not one
 * this tool records (anything Claude Code would not have sent).
 */
export function parseStopPayload(text: string): Check<HookPayload | null> {
  if (text.trim() === '') return { ok: true, value: null };
  const data = jsonObject(text);
  if (!data.ok) return data;
  const event = data.value.hook_event_name;
  if (event !== undefined && event !== 'Stop') return { ok: false, reason: `a ${typeof event === 'string' ? bounded(event, MAX_KIND) : 'malformed'} event, not Stop` };
  return commonFields(data.value);
}

/** A StopFailure payload, or why it is not one this tool records. */
export function parseStopFailurePayload(text: string): Check<StopFailurePayload> {
  const data = jsonObject(text);
  if (!data.ok) return data;
  const { hook_event_name: event, error, last_assistant_message: message } = data.value;
  if (event !== undefined && event !== 'StopFailure') return { ok: false, reason: `a ${typeof event === 'string' ? bounded(event, MAX_KIND) : 'malformed'} event, not StopFailure` };
  if (typeof error !== 'string' || error.trim() === '') return { ok: false, reason: 'no error kind (error is not a string)' };
  const fields = commonFields(data.value);
  if (!fields.ok) return fields;
  return { ok: true, value: { ...fields.value, error: bounded(error.trim(), MAX_KIND), message: typeof message === 'string' ? bounded(message, MAX_MESSAGE) : null } };
}

/** Whether the failure stops the whole account (a usage limit, a failed login): the case for an immediate check-quota. */
export function stopsTheAccount(error: string): boolean {
  return (ACCOUNT_STOPPING_FAILURES as readonly string[]).includes(error);
}

/** Whether `path` lies inside one of `roots` (absolute, already resolved): the transcripts of the account homes. */
export function insideAny(path: string, roots: readonly string[]): boolean {
  return roots.some((root) => path.startsWith(root.endsWith('/') ? root : `${root}/`));
}
