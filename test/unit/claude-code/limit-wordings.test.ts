import { describe, expect, it } from 'vitest';
import { classifySession } from '../../../src/quota/core/classify.js';
import { LIMIT_TYPES, limitScopeOf } from '../../../src/claude-code/core/limit-wordings.js';
import { paneShowsUsageLimit } from '../../../src/claude-code/core/limit-scan.js';
import { NOT_CURRENT, RENDERINGS, type Rendering } from './limit-screens.js';

/**
 * Every usage-limit wording × every rendering, and every look-alike × every rendering, read as check-quota reads
 * them. The wordings come from the reference README (publicly reported), the reference captures and the strings
 * of releases 2.1.100, 2.1.200, 2.1.328 and 2.1.332. Clock: Saturday 2026-11-21 19:30 UTC; the machine's zone: UTC.
 */
const NOW = new Date('2026-11-21T19:30:00Z');
const classify = (pane: string) => classifySession({ pane, now: NOW, defaultZone: 'UTC' });

type Kind = 'limit' | 'suspected';
/** [banner text, pattern, limitType, model, verdict, reset] */
type Wording = [string, string, string | null, string | null, Kind, string | null];

export const WORDINGS: readonly Wording[] = [
  // Reported publicly for other releases (reference README).
  ['Claude AI usage limit reached|1795299692', 'usage-limit-reached', null, null, 'limit', '2026-11-21T22:21:32.000Z'],
  ['Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).', 'usage-limit-reached', null, null, 'limit', '2026-11-22T18:00:00.000Z'],
  ['5-hour limit reached ∙ resets 3am', 'limit-reached', 'five_hour', null, 'limit', '2026-11-22T03:00:00.000Z'],
  ['5-hour limit reached ∙ resets 18:00', 'limit-reached', 'five_hour', null, 'limit', '2026-11-22T18:00:00.000Z'],
  ['Limit reached · resets Dec 17 at 6am (Europe/Oslo)', 'limit-reached', null, null, 'limit', '2026-12-17T05:00:00.000Z'],
  ['Limit reached · resets in 2h 30m', 'limit-reached', null, null, 'limit', '2026-11-21T22:00:00.000Z'],
  ['Weekly limit reached · resets 10am (Asia/Seoul) · /upgrade to Max or turn on /extra-usage', 'limit-reached', 'seven_day', null, 'limit', '2026-11-22T01:00:00.000Z'],
  ["You've hit your limit · resets 11pm (America/Anchorage)", 'hit-your-limit', null, null, 'limit', '2026-11-22T08:00:00.000Z'],
  ["You've hit your session limit · resets 12:50am (America/Los_Angeles)", 'hit-your-limit', 'five_hour', null, 'limit', '2026-11-22T08:50:00.000Z'],
  ["You've hit your weekly limit · resets Jun 7, 4pm (Europe/Rome)", 'hit-your-limit', 'seven_day', null, 'limit', '2027-06-07T14:00:00.000Z'],
  ["You've hit your weekly limit · resets Sep 15 at 7pm", 'hit-your-limit', 'seven_day', null, 'limit', '2027-09-15T19:00:00.000Z'],
  ["You're out of extra usage · resets 5pm (America/Los_Angeles)", 'out-of-extra-usage', 'overage', null, 'limit', '2026-11-22T01:00:00.000Z'],
  ["API Error: Request rejected (429) · This request would exceed your account's rate limit. Please try again later.", 'api-rate-limit-429', 'api_rate_limit', null, 'suspected', null],
  ['API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 50,000 input tokens per minute."}}', 'api-rate-limit-429', 'api_rate_limit', null, 'suspected', null],
  // The reference captures (2.1.100, 2.1.200, 2.1.328).
  ["You've hit your 5-hour limit · resets 10:21pm (UTC)", 'hit-your-limit', 'five_hour', null, 'limit', '2026-11-21T22:21:00.000Z'],
  ["You've hit your session limit · resets 12:50am (UTC)", 'hit-your-limit', 'five_hour', null, 'limit', '2026-11-22T00:50:00.000Z'],
  ['Usage limit reached · continuing automatically at 10:21pm · esc to cancel', 'usage-limit-reached', null, null, 'limit', '2026-11-21T22:21:00.000Z'],
  ['Usage limit reached · limit resets 10:21pm', 'usage-limit-reached', null, null, 'limit', '2026-11-21T22:21:00.000Z'],
  // The strings of releases 2.1.100 … 2.1.332: each rateLimitType's name, the spend and credit limits.
  ["You've hit your weekly limit · resets Nov 24, 7:24pm (UTC)", 'hit-your-limit', 'seven_day', null, 'limit', '2026-11-24T19:24:00.000Z'],
  ["You've hit your weekly limit · resets Jan 3, 2027, 2am (UTC)", 'hit-your-limit', 'seven_day', null, 'limit', '2027-01-03T02:00:00.000Z'],
  ["You've hit your Opus limit · resets Nov 25, 9am (UTC)", 'hit-your-limit', 'seven_day_opus', 'Opus', 'limit', '2026-11-25T09:00:00.000Z'],
  ["You've hit your Sonnet limit · resets Nov 25, 9am (UTC) · progress saved", 'hit-your-limit', 'seven_day_sonnet', 'Sonnet', 'limit', '2026-11-25T09:00:00.000Z'],
  ["You've hit your Fable limit · resets Nov 26, 2pm (UTC)", 'hit-your-limit', 'model', 'Fable', 'limit', '2026-11-26T14:00:00.000Z'],
  ["You've reached your Fable 5 limit. Run /usage-credits to continue or switch models with /model.", 'hit-your-limit', 'model', 'Fable 5', 'suspected', null],
  ["You've reached your Fable limit for this week. Switch models?", 'hit-your-limit', 'model', 'Fable', 'suspected', null],
  ['Fable 5 requires usage credits. /model to switch models.', 'model-requires-credits', 'model', 'Fable 5', 'suspected', null],
  ['Opus weekly limit reached · resets Mon 12:00am (UTC)', 'limit-reached', 'seven_day_opus', 'Opus', 'limit', '2026-11-23T00:00:00.000Z'],
  ["You've hit your usage limit · resets 3am (UTC)", 'hit-your-limit', null, null, 'limit', '2026-11-22T03:00:00.000Z'],
  ["You've hit your monthly spend limit · your 5-hour limit resets 10:21pm (UTC)", 'hit-your-limit', 'monthly_spend', null, 'limit', '2026-11-21T22:21:00.000Z'],
  ["You've hit your monthly spend limit. See Usage in Settings", 'hit-your-limit', 'monthly_spend', null, 'suspected', null],
  ["You've hit your monthly spend limit. Run /usage-credits to manage your limit and keep using Fable 5 or switch models to continue this chat.", 'hit-your-limit', 'model', 'Fable 5', 'suspected', null],
  ["You've hit your org's monthly spend limit · contact your admin to increase it", 'hit-your-limit', 'org_monthly_spend', null, 'suspected', null],
  ["You've hit your channel's monthly spend limit · an org owner or channel manager can raise it in the channel's Claude settings", 'hit-your-limit', 'org_monthly_spend', null, 'suspected', null],
  ["You've hit your team's pooled group budget. It resets Dec 1.", 'hit-your-limit', 'org_monthly_spend', null, 'limit', '2026-12-01T00:00:00.000Z'],
  ["You've hit your individual spend limit · ask your admin for a higher limit", 'hit-your-limit', 'monthly_spend', null, 'suspected', null],
  ["You're out of usage credits · resets Dec 1, 12am (UTC) · progress saved", 'out-of-extra-usage', 'overage', null, 'limit', '2026-12-01T00:00:00.000Z'],
  ['Your org is out of usage · add funds to continue', 'org-out-of-usage', 'org_monthly_spend', null, 'suspected', null],
  ['Usage is paused for your organization. For help, please contact support.', 'usage-paused', 'org_monthly_spend', null, 'suspected', null],
  ['Goal paused · usage limit reached · send a message after it resets to continue', 'goal-paused', null, null, 'suspected', null],
  ['Goal paused · the request was rate limited · send a message to retry', 'goal-paused', 'api_rate_limit', null, 'suspected', null],
  ['Usage limit reached · resets 10:21pm (UTC). Workflow paused', 'usage-limit-reached', null, null, 'limit', '2026-11-21T22:21:00.000Z'],
  ['API Error: Request rejected (429) · spend limit reached · resets Dec 1, 12am (UTC)', 'api-rate-limit-429', 'org_monthly_spend', null, 'limit', '2026-12-01T00:00:00.000Z'],
  // Other reset forms on a limit line.
  ['Session limit reached ∙ resets Tuesday 9am (UTC)', 'limit-reached', 'five_hour', null, 'limit', '2026-11-24T09:00:00.000Z'],
  ["You've hit your 5-hour limit · try again in 45 minutes", 'hit-your-limit', 'five_hour', null, 'limit', '2026-11-21T20:15:00.000Z'],
  ['Claude usage limit reached. Your limit will reset at 3pm (UTC).', 'usage-limit-reached', null, null, 'limit', '2026-11-22T15:00:00.000Z'],
  ["You've hit your session limit · resets 9 (UTC)", 'hit-your-limit', 'five_hour', null, 'limit', '2026-11-21T21:00:00.000Z'],
  ['Usage limit reached · resets 2026-11-22T03:00:00Z', 'usage-limit-reached', null, null, 'limit', '2026-11-22T03:00:00.000Z'],
  ["You've hit your limit · resets 4pm (US/Pacific)", 'hit-your-limit', null, null, 'limit', '2026-11-22T00:00:00.000Z'],
  ["You've hit your limit · resets 1:30am (Asia/Calcutta)", 'hit-your-limit', null, null, 'limit', '2026-11-21T20:00:00.000Z'],
  ["You’ve hit your weekly limit · resets Nov 28, 10pm PST", 'hit-your-limit', 'seven_day', null, 'limit', '2026-11-29T06:00:00.000Z'],
  ['You\'ve hit your 5-hour limit · resets 10:21\u202fPM (UTC)', 'hit-your-limit', 'five_hour', null, 'limit', '2026-11-21T22:21:00.000Z'],
  ['Usage limit reached', 'usage-limit-reached', null, null, 'suspected', null],
];

/** Words that look like a limit and are not one: warnings that let work go on, other refusals, server trouble. */
export const LOOK_ALIKES: readonly string[] = [
  "You've used 90% of your weekly limit · resets Nov 24, 7:24pm (UTC)",
  "You've used 75% of your session limit · resets 10:21pm · /upgrade to keep using Claude Code",
  'Approaching usage limit (95%)',
  'Approaching weekly limit · resets Nov 24, 7:24pm (UTC)',
  'Over 90% of your 5-hour limit used · resets 10:21pm (UTC)',
  "You're close to your extra usage spending limit",
  "You're close to your usage credit limit",
  '5-hour limit reached · continuing with extra usage',
  "You've hit your 5-hour limit · continuing with extra usage",
  'Weekly limit reached · continuing with extra usage',
  "You're now using extra usage · Your session limit resets 10:21pm (UTC)",
  'Now using extra usage',
  'Now using usage credits for Opus · Your Opus limit resets Nov 25, 9am (UTC)',
  'Opus limit reached · now using Sonnet',
  'Fable limit reached · continuing on Opus uses usage credits',
  'Usage limit reached · wrapping up',
  'Usage limit reached · brief included wrap-up, then usage credits',
  "A session-limit reset isn't available right now.",
  "A 5-hour limit reset isn't available right now.",
  "Couldn't reset your 5-hour limit right now · try again in a moment",
  'Concurrent subagent limit reached',
  'Concurrent subagent limit reached · resets 3am',
  'Concurrent subagent limit reached. You can run 4 subagents at once. Do not retry.',
  'Context limit reached · /compact or /clear to continue',
  'Prompt is too long',
  "Claude's response exceeded the 32000 output token maximum. To configure this behavior, set the CLAUDE_CODE_MAX_OUTPUT_TOKENS environment variable.",
  "You've hit your fast limit · resets in 5m",
  'Fast limit reached and temporarily disabled · resets in 5m',
  'Fast limit reached, fast mode paused · resets in 5m',
  'Fast mode disabled · usage credit limit reached',
  'Subagent nesting limit reached (depth 3 of 3). Complete this task directly using your own tools.',
  'Budget limit reached ($5.00 of $5); stopping background agents',
  'Rate limit reached · retrying in 5s',
  'API Error: Server is temporarily limiting requests (not your usage limit) · Rate limited',
  'Opus is experiencing high load, please use /model to switch to Sonnet',
  'API Error (429 {"type":"error","error":{"type":"rate_limit_error"}}) · Retrying in 5 seconds… (attempt 2/10)',
  'API Error: Request rejected (429) · this may be a temporary capacity issue.',
  'API Error: Usage credits required for 1M context · run /usage-credits to turn them on',
  'API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}',
  'Usage limit reached errors come from the quota API; I added a retry.',
  'You have hit your limit · resets 3pm',
  'Stop and wait for limit to reset',
  'Please run /login · API Error: 401 OAuth token has expired.',
];

const drawn = (renderings: readonly Rendering[], texts: readonly string[]) =>
  renderings.flatMap((rendering) => texts.flatMap((text) => {
    const pane = rendering.draw(text);
    return pane === null ? [] : [{ rendering: rendering.name, text, pane }];
  }));

const CASES = drawn(RENDERINGS, WORDINGS.map(([text]) => text)).map(({ rendering, text, pane }) => {
  const [, pattern, limitType, limitModel, kind, resetAt] = WORDINGS.find(([t]) => t === text) as Wording;
  return [rendering, text, pane, { kind, pattern, limitType, limitModel, resetAt }] as const;
});

describe('every wording × every rendering reads as that limit', () => {
  it.each(CASES)('%s: %s', (_rendering, _text, pane, expected) => {
    expect(classify(pane)).toMatchObject({ ...expected, source: 'pane', veto: null });
    expect(paneShowsUsageLimit(pane)).toBe(true);
  });
});

const LOOK_ALIKE_CASES = drawn(RENDERINGS.filter((r) => !r.ownLimit), LOOK_ALIKES).map(({ rendering, text, pane }) => [rendering, text, pane] as const);

describe('every look-alike × every rendering is no limit', () => {
  it.each(LOOK_ALIKE_CASES)('%s: %s', (_rendering, _text, pane) => {
    expect(classify(pane)).toMatchObject({ kind: 'clear', pattern: null });
    expect(paneShowsUsageLimit(pane)).toBe(false);
  });
});

const NOT_CURRENT_CASES = drawn(NOT_CURRENT, WORDINGS.map(([text]) => text)).map(({ rendering, text, pane }) => [rendering, text, pane] as const);

describe("a limit's words where they are not the current limit never count", () => {
  it.each(NOT_CURRENT_CASES)('%s: %s', (_place, _text, pane) => {
    expect(classify(pane)).toMatchObject({ kind: 'clear', pattern: null });
    expect(paneShowsUsageLimit(pane)).toBe(false);
  });
});

describe('limit kinds', () => {
  it.each(Object.entries(LIMIT_TYPES))('%s has a scope and a meaning', (name, { scope, meaning }) => {
    expect(limitScopeOf(name)).toBe(scope);
    expect(meaning.length).toBeGreaterThan(10);
  });

  it.each([
    [null, 'account'],
    ['five_hour', 'account'],
    ['seven_day_opus', 'model'],
    ['api_rate_limit', 'short'],
    ['some_future_window', 'account'],
  ] as const)('the scope of %s is %s (unknown types are account-wide: fail-safe)', (limitType, scope) => {
    expect(limitScopeOf(limitType)).toBe(scope);
  });
});
