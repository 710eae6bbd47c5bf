import { describe, expect, it } from 'vitest';
import { readLimitRecord, type RecordReading } from '../../../src/claude-code/core/limit-record.js';
import { classifySession } from '../../../src/quota/core/classify.js';
import { fixture } from '../../support/limit-screens.js';

/**
 * The API-error records of each release (reference captures of 2.1.328, 2.1.100 and 2.1.328's failed login; the
 * others built to the fields each release writes), read as check-quota reads them.
 */
const RECORD_328 = JSON.parse(fixture('transcript-usage-limit-record.json')) as Record<string, unknown>;
const RECORD_100 = JSON.parse(fixture('transcript-usage-limit-record-2.1.100.json')) as Record<string, unknown>;
const RECORD_401 = JSON.parse(fixture('transcript-login-expired-401-record.json')) as Record<string, unknown>;

/** A failed turn's record as a release writes it: the banner as the message text, plus the release's fields. */
const record = (text: string | null, fields: Record<string, unknown> = {}) => ({
  type: 'assistant',
  timestamp: '2026-12-01T21:50:00.000Z',
  message: { role: 'assistant', model: '<synthetic>', content: text === null ? [] : [{ type: 'text', text }] },
  isApiErrorMessage: true,
  ...fields,
});
const info = (rateLimitType: string, resetsAt: number) => ({ apiError: 'usage_limit_reached', apiErrorParams: { rate_limit_info: { status: 'rejected', resetsAt, rateLimitType, isUsingOverage: false } } });
const AT_22 = new Date('2026-12-01T22:00:00Z');

const cases: Array<[string, unknown, Partial<Extract<RecordReading, { kind: 'limit' }>> | RecordReading]> = [
  ['2.1.328: exact reset and type', RECORD_328, { kind: 'limit', limitType: 'five_hour', resetAt: new Date(1795299692 * 1000), resetSource: 'exact', apiError: 'usage_limit_reached' }],
  ['2.1.100: no status, no params: kind and reset read from its text, at the time it was written', RECORD_100, { kind: 'limit', limitType: 'five_hour', resetAt: new Date('2026-12-02T00:50:00Z'), resetSource: 'text' }],
  ['2.1.200: a status, no params', record("You've hit your weekly limit · resets Dec 4, 9am (UTC)", { error: 'rate_limit', apiErrorStatus: 429 }), { kind: 'limit', limitType: 'seven_day', resetAt: new Date('2026-12-04T09:00:00Z'), resetSource: 'text' }],
  ['the quotaLimits copy when apiErrorParams is missing', record(null, { error: 'rate_limit', quotaLimits: { resetsAt: 1795299692, rateLimitType: 'seven_day' } }), { kind: 'limit', limitType: 'seven_day', resetSource: 'exact' }],
  ['a per-model limit', record("You've hit your Opus limit · resets Dec 3, 9am (UTC)", { error: 'rate_limit', apiErrorStatus: 429, ...info('seven_day_opus', 1796288400) }), { kind: 'limit', limitType: 'seven_day_opus', model: 'Opus', resetSource: 'exact' }],
  ['a model that needs usage credits', record("You're out of usage credits. Run /usage-credits to keep using Fable 5 or /model to switch models.", { error: 'rate_limit', apiError: 'model_requires_usage_credits' }), { kind: 'limit', limitType: 'model', model: 'Fable 5', resetAt: null }],
  ['out of extra usage', record("You're out of usage credits · resets Dec 1, 11pm (UTC)", { error: 'rate_limit', ...info('overage', 1796166000) }), { kind: 'limit', limitType: 'overage', resetSource: 'exact' }],
  ['an API key rate limit', record("API Error: Request rejected (429) · This request would exceed your account's rate limit. Please try again later.", { error: 'rate_limit', apiErrorStatus: 429, apiErrorType: 'rate_limit_error' }), { kind: 'limit', limitType: 'api_rate_limit', resetAt: null }],
  ['an API key rate limit without the error field', record('API Error: 429 {"type":"error","error":{"type":"rate_limit_error"}} · try again in 2 minutes', { apiErrorStatus: 429, apiErrorType: 'rate_limit_error' }), { kind: 'limit', limitType: 'api_rate_limit', resetAt: new Date('2026-12-01T21:52:00Z') }],
  ['a type this code does not know is kept as written', record(null, { error: 'rate_limit', ...info('seven_day_haiku', 1796288400) }), { kind: 'limit', limitType: 'seven_day_haiku' }],
  ['a rate limit that says nothing more', record(null, { error: 'rate_limit' }), { kind: 'limit', limitType: null, resetAt: null, text: null }],
  ['a reset that is no number: the text then', record('Usage limit reached · resets 11pm (UTC)', { error: 'rate_limit', apiErrorParams: { rate_limit_info: { resetsAt: 'soon' } } }), { kind: 'limit', resetAt: new Date('2026-12-01T23:00:00Z'), resetSource: 'text' }],
  ['an overload recorded as a rate limit', record('Opus is experiencing high load, please use /model to switch to Sonnet', { error: 'rate_limit' }), { kind: 'server-error', marker: 'transcript-high-load' }],
  ['server throttling recorded as a rate limit', record('API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited', { error: 'rate_limit', apiErrorStatus: 429 }), { kind: 'server-error', marker: 'transcript-server-throttling' }],
  ['a transient 429', record('API Error: Request rejected (429) · this may be a temporary capacity issue.', { error: 'rate_limit', apiErrorStatus: 429, apiErrorIsTransient: true }), { kind: 'server-error', marker: 'transcript-server-throttling' }],
  ['a transient 429 without words', record(null, { error: 'rate_limit', apiErrorIsTransient: true }), { kind: 'server-error', marker: 'transcript-transient' }],
  ['a 529', record('API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}', { error: 'overloaded_error', apiErrorStatus: 529 }), { kind: 'server-error', marker: 'transcript-529' }],
  ['an api_error without a status', record(null, { error: 'api_error' }), { kind: 'server-error', marker: 'transcript-api_error' }],
  ['credits needed for a long context: no quota', record('API Error: Usage credits required for 1M context · run /usage-credits to turn them on', { error: 'rate_limit', apiError: 'long_context_credits_required' }), { kind: 'none' }],
  ['a failed login: no quota', RECORD_401, { kind: 'none' }],
  ['a 400', record('API Error: 400 invalid request', { error: 'invalid_request', apiErrorStatus: 400 }), { kind: 'none' }],
  ['a 429 that is no rate limit', record(null, { apiErrorStatus: 429, error: 'other' }), { kind: 'none' }],
  ['not an API error', { type: 'assistant', apiErrorStatus: 429, error: 'rate_limit' }, { kind: 'none' }],
  ['null', null, { kind: 'none' }],
  ['a string', 'rate_limit', { kind: 'none' }],
  ['an array', [{ isApiErrorMessage: true }], { kind: 'none' }],
];

describe('readLimitRecord: the records of every release', () => {
  it.each(cases)('%s', (_name, input, expected) => {
    expect(readLimitRecord(input, AT_22, 'UTC')).toMatchObject(expected);
  });

  it('a record written in the future (clock skew) is read at now', () => {
    const skewed = { ...RECORD_100, timestamp: '2026-12-05T00:00:00Z' };
    expect(readLimitRecord(skewed, AT_22, 'UTC')).toMatchObject({ kind: 'limit', resetAt: new Date('2026-12-02T00:50:00Z') });
  });
});

describe("2.1.100: the record's own text gives the reset", () => {
  const pane = fixture('usage-limit-2.1.100.txt');
  it('before the reset: a confirmed limit from the transcript', () => {
    expect(classifySession({ pane, transcriptRecord: RECORD_100, now: AT_22, defaultZone: 'UTC' })).toMatchObject({
      kind: 'limit', source: 'transcript', limitType: 'five_hour', resetAt: '2026-12-02T00:50:00.000Z',
    });
  });

  it('twenty minutes after the reset: over, though the banner still shows (read now, it would be tomorrow)', () => {
    const verdict = classifySession({ pane, transcriptRecord: RECORD_100, now: new Date('2026-12-02T01:10:00Z'), defaultZone: 'UTC' });
    expect(verdict).toMatchObject({ kind: 'clear', pattern: null });
    expect(verdict.note).toMatch(/reset at 2026-12-02T00:50:00.000Z/);
    // The pane alone, without the record, cannot tell: it reads the next 12:50am.
    expect(classifySession({ pane, now: new Date('2026-12-02T01:10:00Z'), defaultZone: 'UTC' })).toMatchObject({ kind: 'limit', resetAt: '2026-12-03T00:50:00.000Z' });
  });
});
