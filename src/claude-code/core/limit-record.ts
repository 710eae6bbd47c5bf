/**
 * What a transcript record says about a usage limit. Pure. Every release appends an API-error record when a turn
 * fails (`isApiErrorMessage: true`, `error` naming the kind); they differ in what else they write:
 * - 2.1.328 and later: `apiErrorStatus: 429`, `apiError: "usage_limit_reached"`, the exact reset in
 *   `apiErrorParams.rate_limit_info.resetsAt` (epoch seconds) with `rateLimitType` (`five_hour`, `seven_day`, …),
 *   also in `quotaLimits`;
 * - 2.1.200: `apiErrorStatus` but no `apiErrorParams`;
 * - 2.1.100: `error: "rate_limit"` only, the banner text as the message content.
 * Without an exact reset, the record's own text is read — at the time the record was written, not now, so that
 * `resets 12:50am` written at 21:50 means 00:50 after it, however late the record is read.
 */

import { isRecord } from '../../base/core/json.js';
import { matchLimitWording, serverErrorIn } from './limit-wordings.js';
import { parseResetDetail } from './reset-time.js';
export type RecordReading =
  | { kind: 'none' }
  | { kind: 'server-error'; marker: string }
  | {
      kind: 'limit';
      /** `rateLimitType` as the record writes it (any value kept), else the kind its text names. */
      limitType: string | null;
      model: string | null;
      /** When the limit resets, if the record says (exactly or in its text). */
      resetAt: Date | null;
      resetSource: 'exact' | 'text' | null;
      /** The record's message text (the banner), if any. */
      text: string | null;
      /** `apiError` when the record names one (`usage_limit_reached`), else null. */
      apiError: string | null;
    };

const SERVER_ERROR_TYPES = new Set(['api_error', 'overloaded_error', 'server_error']);
/** Failures recorded as rate limits that are no quota: credits needed for a long context window. */
const NOT_A_QUOTA_ERRORS = new Set(['long_context_credits_required']);

export function readLimitRecord(record: unknown, now: Date, defaultZone?: string): RecordReading {
  if (!isRecord(record) || record.isApiErrorMessage !== true) return { kind: 'none' };
  const status = typeof record.apiErrorStatus === 'number' ? record.apiErrorStatus : null;
  const error = typeof record.error === 'string' ? record.error : null;
  const apiErrorType = typeof record.apiErrorType === 'string' ? record.apiErrorType : null;
  const apiError = typeof record.apiError === 'string' ? record.apiError : null;
  const text = recordText(record);
  if ((status !== null && status >= 500) || SERVER_ERROR_TYPES.has(error ?? '') || SERVER_ERROR_TYPES.has(apiErrorType ?? '')) {
    return { kind: 'server-error', marker: `transcript-${status ?? error ?? apiErrorType}` };
  }
  const isRateLimit = error === 'rate_limit' || (status === 429 && apiErrorType === 'rate_limit_error') || apiError === 'usage_limit_reached';
  if (!isRateLimit) return { kind: 'none' };
  // Overloads and server throttling are recorded as `rate_limit` too: their text says what they are.
  const marker = text === null ? null : serverErrorIn(text, true);
  if (marker !== null) return { kind: 'server-error', marker: `transcript-${marker}` };
  if (record.apiErrorIsTransient === true) return { kind: 'server-error', marker: 'transcript-transient' };
  if (NOT_A_QUOTA_ERRORS.has(apiError ?? '') || (text !== null && /\bcredits\s+(?:are\s+)?required\s+for\s+(?:1M|long)\s+context\b/i.test(text))) return { kind: 'none' };

  const info = [isRecord(record.apiErrorParams) ? record.apiErrorParams.rate_limit_info : undefined, record.quotaLimits].find(isRecord);
  const wording = text === null ? null : matchLimitWording(text);
  const rateLimitType = typeof info?.rateLimitType === 'string' ? info.rateLimitType : null;
  const limitType = apiError === 'model_requires_usage_credits' ? 'model' : rateLimitType ?? wording?.limitType ?? null;
  const base = { kind: 'limit' as const, limitType, model: wording?.model ?? null, text, apiError };

  const resetsAt = info?.resetsAt;
  if (typeof resetsAt === 'number' && Number.isFinite(resetsAt) && resetsAt > 0) {
    return { ...base, resetAt: new Date(resetsAt * 1000), resetSource: 'exact' };
  }
  const written = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
  const readAt = Number.isFinite(written) && written <= now.getTime() ? new Date(written) : now;
  const detail = text === null ? null : parseResetDetail(text, readAt, defaultZone);
  return detail === null ? { ...base, resetAt: null, resetSource: null } : { ...base, resetAt: detail.at, resetSource: 'text' };
}

/** The text parts of the record's message (the banner Claude Code showed), joined. */
export function recordText(record: Record<string, unknown>): string | null {
  const message = isRecord(record.message) ? record.message : undefined;
  const content = message?.content;
  if (typeof content === 'string') return content.trim() || null;
  const parts = Array.isArray(content) ? content.filter((part): part is { text: string } => isRecord(part) && typeof part.text === 'string') : [];
  const text = parts.map((part) => part.text).join('\n').trim();
  return text === '' ? null : text;
}
