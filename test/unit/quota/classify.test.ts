import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifySession, type SessionEvidence } from '../../../src/quota/core/classify.js';

// Real screens of Claude Code 2.1.328 (copied from reference/claude-code/, see test/fixtures/claude-code/).
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/claude-code/${name}`, import.meta.url), 'utf8');
const LIMIT_5H = fixture('usage-limit-5h.txt');
const LIMIT_5H_ANSI = fixture('usage-limit-5h.ansi.txt');
const RECORD = JSON.parse(fixture('transcript-usage-limit-record.json')) as Record<string, unknown>;

// The 5-hour screen was captured at 19:21 UTC; its reset is 10:21pm (UTC) the same day.
const BEFORE_RESET = new Date('2026-11-21T19:30:00Z');
const classify = (pane: string, extra: Partial<SessionEvidence> = {}) =>
  classifySession({ pane, now: BEFORE_RESET, defaultZone: 'UTC', ...extra });

/** A Claude Code screen in the captured layout: header, conversation, the input box between rules, the footer. */
const RULE = '─'.repeat(118);
function screen(conversation: string[], footer: string[] = ['  ⏵⏵ bypass permissions on (shift+tab to cycle)']): string {
  return [
    '',
    ' ▐▛███▜▌   Claude Code v2.1.328',
    '▝▜█████▛▘  Sonnet 5.5 · Claude Max',
    '  ▘▘ ▝▝    /home/op/src/demo',
    '',
    ...conversation,
    '',
    RULE,
    '❯\u00a0',
    RULE,
    ...footer,
  ].join('\n');
}

describe('the captured reference screens', () => {
  it('usage-limit-5h is a confirmed limit resetting at 10:21pm UTC the same day', () => {
    const verdict = classify(LIMIT_5H);
    expect(verdict).toMatchObject({ kind: 'limit', resetAt: '2026-11-21T22:21:00.000Z', source: 'pane', veto: null });
    expect(verdict.pattern).toBe('hit-your-limit');
    expect(verdict.snippet).toBe("⎿ You've hit your 5-hour limit · resets 10:21pm (UTC)");
    expect(verdict.snippet?.length).toBeLessThanOrEqual(120);
  });

  it('the printed zone wins over the machine zone (footer lines carry no zone)', () => {
    expect(classify(LIMIT_5H, { defaultZone: 'Asia/Tokyo' }).resetAt).toBe('2026-11-21T22:21:00.000Z');
  });

  it('reads the colour capture the same way', () => {
    expect(classify(LIMIT_5H_ANSI)).toMatchObject({ kind: 'limit', resetAt: '2026-11-21T22:21:00.000Z', pattern: 'hit-your-limit' });
  });

  it('the transcript record gives the exact reset (1795299692) and the limit type', () => {
    const verdict = classify(LIMIT_5H, { transcriptRecord: RECORD });
    expect(verdict).toMatchObject({ kind: 'limit', source: 'transcript', pattern: 'transcript-rate-limit', limitType: 'five_hour' });
    expect(verdict.resetAt).toBe(new Date(1795299692 * 1000).toISOString());
    expect(verdict.snippet).toBe("You've hit your 5-hour limit · resets 10:21pm (UTC)");
  });

  it('the transcript record alone confirms, whatever the pane shows', () => {
    expect(classify(fixture('idle-prompt.txt'), { transcriptRecord: RECORD })).toMatchObject({ kind: 'limit', limitType: 'five_hour' });
  });

  it.each([
    ['usage-limit-2.1.100.txt', 'hit-your-limit', 'five_hour'],
    ['usage-limit-2.1.200.txt', 'hit-your-limit', 'five_hour'],
  ])('%s (its turn failed at 21:50 UTC) is a confirmed 5-hour limit until 12:50am UTC', (name, pattern, limitType) => {
    const verdict = classify(fixture(name), { now: new Date('2026-12-01T21:51:00Z') });
    expect(verdict).toMatchObject({ kind: 'limit', pattern, limitType, resetAt: '2026-12-02T00:50:00.000Z', source: 'pane', veto: null });
  });

  it.each(['idle-prompt.txt', 'busy-working.txt', 'turn-done.txt', 'after-exit-resume-hint.txt', 'login-expired-401.txt'])('%s is clear', (name) => {
    expect(classify(fixture(name)).kind).toBe('clear');
  });

  it('a transcript record whose reset has passed says nothing about now', () => {
    const after = new Date(1795299692 * 1000 + 60_000);
    expect(classify(fixture('idle-prompt.txt'), { transcriptRecord: RECORD, now: after }).kind).toBe('clear');
  });

  it('a limit screen after the exact reset of the newest transcript record is over, not suspected', () => {
    // The fleet waited out the limit with no turn since: the banner is still on screen, the record says it reset.
    const after = new Date(1795299692 * 1000 + 10 * 60_000);
    const verdict = classify(LIMIT_5H, { transcriptRecord: RECORD, now: after });
    expect(verdict.kind).toBe('clear');
    expect(verdict.note).toMatch(/reset at .*over/);
    // A minute before that reset, the same screen and record are a confirmed limit.
    expect(classify(LIMIT_5H, { transcriptRecord: RECORD, now: new Date(1795299692 * 1000 - 60_000) }).kind).toBe('limit');
  });

  it('a limit screen whose printed reset has just passed is resetting now: over, nothing to swap for', () => {
    const verdict = classify(LIMIT_5H, { now: new Date('2026-11-21T22:25:00Z') });
    expect(verdict).toMatchObject({ kind: 'clear', pattern: null, resetAt: null });
    expect(verdict.note).toMatch(/resetting now.*2026-11-21T22:21:00.000Z/);
  });
});

describe('public wordings on Claude Code line shapes', () => {
  // Clock: 19:30 UTC. [name, conversation lines, footer lines, pattern, kind, reset]
  const cases: Array<[string, string[], string[] | undefined, string, 'limit' | 'suspected', string | null]> = [
    ['reset sentence (1pm at UTC-5 has passed: tomorrow)', ['❯ Next task', '  ⎿  Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).'], undefined, 'usage-limit-reached', 'limit', '2026-11-22T18:00:00.000Z'],
    ['5-hour status line in the footer', ['● Working on it.'], ['  5-hour limit reached ∙ resets 3am'], 'limit-reached', 'limit', '2026-11-22T03:00:00.000Z'],
    ['24-hour result line', ['❯ Next task', '  ⎿ 5-hour limit reached ∙ resets 21:00'], undefined, 'limit-reached', 'limit', '2026-11-21T21:00:00.000Z'],
    ['dated with zone', ['❯ x', '  ⎿  Limit reached · resets Dec 17 at 6am (Europe/Oslo)'], undefined, 'limit-reached', 'limit', '2026-12-17T05:00:00.000Z'],
    ['relative', ['❯ x', '  ⎿  Limit reached · resets in 2h 30m'], undefined, 'limit-reached', 'limit', '2026-11-21T22:00:00.000Z'],
    ['weekly', ['❯ x', '  ⎿  Weekly limit reached · resets 10am (Asia/Seoul) · /upgrade to Max or turn on /extra-usage'], undefined, 'limit-reached', 'limit', '2026-11-22T01:00:00.000Z'],
    ['plain limit', ['❯ x', "  ⎿  You've hit your limit · resets 11pm (America/Anchorage)"], undefined, 'hit-your-limit', 'limit', '2026-11-22T08:00:00.000Z'],
    ['curly apostrophe', ['❯ x', '  ⎿  You’ve hit your session limit · resets 12:50am (America/Los_Angeles)'], undefined, 'hit-your-limit', 'limit', '2026-11-22T08:50:00.000Z'],
    ['out of extra usage', ['❯ x', "  ⎿  You're out of extra usage · resets 5pm (America/Los_Angeles)"], undefined, 'out-of-extra-usage', 'limit', '2026-11-22T01:00:00.000Z'],
    ['on an assistant line', ['❯ x', '● Usage limit reached · continuing automatically at 10:21pm · esc to cancel'], undefined, 'usage-limit-reached', 'limit', '2026-11-21T22:21:00.000Z'],
    ['API key, rejected', ['❯ x', "  ⎿  API Error: Request rejected (429) · This request would exceed your account's rate limit"], undefined, 'api-rate-limit-429', 'suspected', null],
    ['API key, JSON', ['❯ x', '  ⎿  API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"x"}}'], undefined, 'api-rate-limit-429', 'suspected', null],
  ];
  it.each(cases)('%s', (_name, conversation, footer, pattern, kind, resetAt) => {
    const verdict = classify(screen(conversation, footer));
    expect(verdict).toMatchObject({ pattern, kind, resetAt, source: 'pane' });
  });

  it('the epoch form of a reset long past is over (a 2025 epoch seen in 2026)', () => {
    const verdict = classify(screen(['❯ Next task', '  ⎿  Claude AI usage limit reached|1749924000']));
    expect(verdict).toMatchObject({ kind: 'clear', pattern: null });
    expect(verdict.note).toMatch(/resetting now.*2025-06-14T18:00:00.000Z/);
  });

  it('the epoch form is confirmed with its instant when it lies ahead', () => {
    const verdict = classify(screen(['❯ Next task', '  ⎿  Claude AI usage limit reached|1795299692']));
    expect(verdict).toMatchObject({ kind: 'limit', resetAt: '2026-11-21T22:21:32.000Z' });
  });
});

describe('never a quota', () => {
  const notQuota: Array<[string, string[], string[] | undefined]> = [
    ['approaching the limit', ['● Done.'], ['  ⚠ Approaching usage limit (95%) · resets 10:21pm']],
    ['continuing with extra usage', ['❯ x', "  ⎿  You've hit your 5-hour limit · continuing with extra usage"], undefined],
    ['extra usage footer', ['● Done.'], ['  ⚠ 5-hour limit reached · continuing with extra usage']],
    ['a model fallback, work goes on', ['❯ x', '  ⎿  Opus limit reached · now using Sonnet'], undefined],
    ['concurrent subagents', ['❯ x', '  ⎿  Concurrent subagent limit reached · resets 3am'], undefined],
    ['a prompt that greps for it', ['❯ grep -rn "Usage limit reached · resets 3am" logs/', '  ⎿  (no output)'], undefined],
    ['a prompt quoting the exact line', ["❯ You've hit your 5-hour limit · resets 10:21pm (UTC) — what does this mean?"], undefined],
    ['assistant prose', ['● The log says "Usage limit reached · resets 3am" twice; that is the API quota.'], undefined],
    ['assistant prose starting with the words', ['● Usage limit reached errors come from the quota API; I added a retry.'], undefined],
    ['a quoted log in a reply', ['● Here is the log:', '  2026-11-20 ERROR Claude AI usage limit reached|1795299692', '  Usage limit reached · resets 3am'], undefined],
    ['a quoted log in tool output', ['● Bash(cat app.log)', '  ⎿  2026-11-20 INFO start', '     Usage limit reached · resets 3am', '     5-hour limit reached ∙ resets 18:00'], undefined],
  ];
  it.each(notQuota)('%s', (_name, conversation, footer) => {
    const verdict = classify(screen(conversation, footer));
    expect(verdict.kind).toBe('clear');
    expect(verdict.pattern).toBeNull();
  });

  it('an old limit followed by new activity is history', () => {
    const pane = screen(["❯ x", "  ⎿  You've hit your 5-hour limit · resets 10:21pm (UTC)", '❯ carry on', '● Continuing with the task.']);
    const verdict = classify(pane);
    expect(verdict.kind).toBe('clear');
    expect(verdict.note).toMatch(/newer activity/);
  });

  it('text typed into the input box (not sent) is not new activity', () => {
    const pane = LIMIT_5H.replace(/^❯\u00a0\s*$/m, '❯\u00a0please continue');
    expect(pane).not.toBe(LIMIT_5H);
    expect(classify(pane)).toMatchObject({ kind: 'limit', resetAt: '2026-11-21T22:21:00.000Z' });
  });

  it('an old limit under a busy turn is history', () => {
    const pane = screen(["❯ x", "  ⎿  You've hit your 5-hour limit · resets 10:21pm (UTC)"], ['  ⏵⏵ bypass permissions on (shift+tab to cycle) · esc to interrupt']);
    expect(classify(pane).kind).toBe('clear');
  });

  it('a limit far up the scrollback (beyond the tail) does not count', () => {
    const reply = Array.from({ length: 25 }, (_, i) => `  line ${i} of a long reply`);
    const pane = screen(['❯ x', "  ⎿  You've hit your 5-hour limit · resets 10:21pm (UTC)", '● Here is the rest:', ...reply]);
    expect(classify(pane).kind).toBe('clear');
  });
});

describe('server errors veto', () => {
  it('a 529 retry under an older limit message is vetoed', () => {
    const pane = screen([
      '❯ Next task',
      "  ⎿  You've hit your 5-hour limit · resets 10:21pm (UTC)",
      '❯ continue',
      '  ⎿  API Error (529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}) · Retrying in 5 seconds… (attempt 2/10)',
      '✻ Recombobulating… (esc to interrupt)',
    ]);
    const verdict = classify(pane);
    expect(verdict.kind).toBe('vetoed');
    expect(verdict.veto).toBe('api-error-5xx');
  });

  it.each([
    ['API Error: 500', '  ⎿  API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}', 'api-error-5xx'],
    ['500 retrying', '  ⎿  500 Internal server error · retrying', 'http-5xx'],
    ['529 Overloaded', '  ⎿  529 Overloaded', 'http-5xx'],
    ['overloaded_error token', '  ⎿  {"error":{"type":"overloaded_error"}}', 'overloaded_error'],
  ])('%s in the same tail vetoes a current limit', (_name, errorLine, marker) => {
    const verdict = classify(screen(['❯ Next task', errorLine, "  ⎿  You've hit your 5-hour limit · resets 10:21pm (UTC)"]));
    expect(verdict).toMatchObject({ kind: 'vetoed', veto: marker, pattern: 'hit-your-limit' });
  });

  it('a number that merely looks like a 5xx in a 429 message does not veto', () => {
    const verdict = classify(screen(['❯ x', '  ⎿  API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"retry in 500 ms"}}']));
    expect(verdict).toMatchObject({ kind: 'suspected', pattern: 'api-rate-limit-429', veto: null });
  });

  it('a server error without any limit wording is simply clear', () => {
    expect(classify(screen(['❯ x', '  ⎿  API Error: 500 {"type":"error","error":{"type":"api_error"}}'])).kind).toBe('clear');
  });

  it('a prompt that mentions a 500 is not a server error', () => {
    const pane = screen(['❯ fix the 500 internal server error in api_error.ts', "  ⎿  You've hit your 5-hour limit · resets 10:21pm (UTC)"]);
    expect(classify(pane).kind).toBe('limit');
  });

  it('a 5xx transcript record vetoes', () => {
    const record = { isApiErrorMessage: true, apiErrorStatus: 529, error: 'overloaded_error' };
    expect(classify(LIMIT_5H, { transcriptRecord: record })).toMatchObject({ kind: 'vetoed', veto: 'transcript-529' });
  });
});

describe('the blocking menu after a limit', () => {
  const menuScreen = (conversation: string[]) =>
    [
      ...conversation,
      '',
      'What do you want to do?',
      '',
      '❯ 1. Stop and wait for limit to reset',
      '  2. Upgrade your plan',
      '',
      'Enter to confirm · Esc to cancel',
    ].join('\n');

  it('with the limit line above it: confirmed, menu flagged, its ❯ is not new activity', () => {
    const verdict = classify(menuScreen(['❯ Next task', "  ⎿  You've hit your 5-hour limit · resets 10:21pm (UTC)"]));
    expect(verdict).toMatchObject({ kind: 'limit', menu: true, pattern: 'hit-your-limit', resetAt: '2026-11-21T22:21:00.000Z' });
  });

  it('the menu alone is a suspected limit', () => {
    expect(classify(menuScreen(['❯ Next task']))).toMatchObject({ kind: 'suspected', menu: true, pattern: 'limit-menu' });
  });

  it('no menu on the plain limit screen', () => {
    expect(classify(LIMIT_5H).menu).toBe(false);
  });
});

describe('bad transcript records are ignored, not trusted', () => {
  it.each([
    ['null', null],
    ['a string', 'rate_limit'],
    ['not an API error', { type: 'assistant', apiErrorStatus: 429, error: 'rate_limit' }],
    ['a 429 that is not a rate limit', { isApiErrorMessage: true, apiErrorStatus: 429, error: 'other' }],
    ['a 400', { isApiErrorMessage: true, apiErrorStatus: 400, error: 'invalid_request' }],
  ])('%s', (_name, record) => {
    expect(classify(fixture('idle-prompt.txt'), { transcriptRecord: record }).kind).toBe('clear');
  });

  it('a rate-limit record without a usable reset is suspected', () => {
    const record = { isApiErrorMessage: true, apiErrorStatus: 429, error: 'rate_limit', apiErrorParams: { rate_limit_info: { resetsAt: 'soon' } } };
    expect(classify(fixture('idle-prompt.txt'), { transcriptRecord: record })).toMatchObject({ kind: 'suspected', source: 'transcript' });
  });

  it('falls back to quotaLimits when apiErrorParams is missing', () => {
    const { apiErrorParams: _dropped, ...rest } = RECORD;
    expect(classify(fixture('idle-prompt.txt'), { transcriptRecord: rest })).toMatchObject({ kind: 'limit', limitType: 'five_hour' });
  });
});

describe('a failed login', () => {
  const LOGIN_RECORD = JSON.parse(fixture('transcript-login-expired-401-record.json')) as Record<string, unknown>;
  const LOGIN_PANE = fixture('login-expired-401.txt');
  it('the 401 record is a failed login, with Claude Code\'s message', () => {
    expect(classify(LOGIN_PANE, { transcriptRecord: LOGIN_RECORD })).toMatchObject({ kind: 'login-failed', pattern: 'login-failed-401', source: 'transcript', snippet: expect.stringContaining('Please run /login') });
  });

  it('the StopFailure signal says so first; the pane alone does not', () => {
    expect(classify(fixture('idle-prompt.txt'), { failedSignal: { error: 'authentication_failed', message: 'OAuth token revoked · Please run /login' } })).toMatchObject({ kind: 'login-failed', source: 'signal' });
    expect(classify(LOGIN_PANE)).toMatchObject({ kind: 'clear' });
  });

  it("the pane's last reply counts when it is known to be the current turn's, and only then", () => {
    expect(classify(LOGIN_PANE, { paneTurn: true })).toMatchObject({ kind: 'login-failed', source: 'pane', pattern: 'login-failed-401' });
    expect(classify(fixture('turn-done.txt'), { paneTurn: true })).toMatchObject({ kind: 'clear' });
  });

  it('a record older than the last login or swap is history', () => {
    expect(classify(LOGIN_PANE, { transcriptRecord: LOGIN_RECORD, loginHistory: true })).toMatchObject({ kind: 'clear' });
  });
});

