import { describe, expect, it } from 'vitest';
import { MODEL_LIMIT_HOLD_MS, RATE_LIMIT_HOLD_MS, RATE_LIMIT_MAX_HOLD_MS, UNKNOWN_RESET_MS, decideQuota, type QuotaDecisionInput, type SessionVerdict } from '../../../src/quota/core/decide.js';
import type { QuotaSuspicion } from '../../../src/base/core/state.js';

const NOW = new Date('2026-11-21T19:30:00Z');
const QUOTA = { confirmPolls: 2, reactivateCooldownMs: 5 * 60_000 };

function verdict(session: string, kind: SessionVerdict['kind'], extra: Partial<SessionVerdict> = {}): SessionVerdict {
  const hit = kind !== 'clear';
  return {
    session,
    kind,
    pattern: hit ? 'hit-your-limit' : null,
    resetAt: kind === 'limit' ? '2026-11-21T22:21:00.000Z' : null,
    limitType: null,
    limitModel: null,
    snippet: hit ? "⎿ You've hit your 5-hour limit · resets 10:21pm (UTC)" : null,
    source: hit ? 'pane' : null,
    veto: kind === 'vetoed' ? 'api-error-5xx' : null,
    menu: false,
    note: null,
    ...extra,
  };
}

const decide = (input: Partial<QuotaDecisionInput>) =>
  decideQuota({ verdicts: [], suspicion: null, quota: QUOTA, lastSwapAt: null, now: NOW, ...input });

describe('decideQuota', () => {
  it('nothing to see: none, no suspicion, no forensic line', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'clear'), verdict('ccl-auto-12', 'clear')] });
    expect(decision).toMatchObject({ action: 'none', suspicion: null, exhaustedUntil: null, trigger: null });
    expect(decision.forensic).toEqual([]);
  });

  it('a confirmed limit swaps at once, exhausted until its reset', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'clear'), verdict('ccl-auto-12', 'limit')] });
    expect(decision).toMatchObject({ action: 'swap', exhaustedUntil: '2026-11-21T22:21:00.000Z', resetKnown: true, suspicion: null });
    expect(decision.trigger?.session).toBe('ccl-auto-12');
  });

  it('several confirmed limits: the account is exhausted until the latest reset', () => {
    const decision = decide({
      verdicts: [
        verdict('ccl-auto-11', 'limit', { resetAt: '2026-11-21T22:21:00.000Z' }),
        verdict('ccl-1-conformvault', 'limit', { resetAt: '2026-11-25T10:00:00.000Z', limitType: 'seven_day' }),
      ],
    });
    expect(decision.exhaustedUntil).toBe('2026-11-25T10:00:00.000Z');
    expect(decision.trigger?.session).toBe('ccl-1-conformvault');
  });

  it('writes one forensic line per detection with session, pattern, reset and snippet', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'limit'), verdict('ccl-auto-12', 'vetoed'), verdict('ccl-auto-13', 'clear')] });
    expect(decision.forensic).toHaveLength(2);
    expect(decision.forensic[0]).toBe(
      'quota detection: session=ccl-auto-11 verdict=limit pattern=hit-your-limit reset=2026-11-21T22:21:00.000Z source=pane ' +
        'snippet="⎿ You\'ve hit your 5-hour limit · resets 10:21pm (UTC)"',
    );
    expect(decision.forensic[1]).toContain('verdict=vetoed');
    expect(decision.forensic[1]).toContain('veto=api-error-5xx');
  });

  it('a suspected limit needs confirm_polls consecutive polls of the same session', () => {
    const first = decide({ verdicts: [verdict('ccl-auto-11', 'suspected')] });
    expect(first).toMatchObject({ action: 'suspect', suspicion: { session: 'ccl-auto-11', since: NOW.toISOString(), pattern: 'hit-your-limit', polls: 1 } });

    const later = new Date(NOW.getTime() + 60_000);
    const second = decide({ verdicts: [verdict('ccl-auto-11', 'suspected')], suspicion: first.suspicion, now: later });
    expect(second).toMatchObject({ action: 'swap', resetKnown: false, suspicion: { since: NOW.toISOString(), polls: 2 } });
    expect(second.exhaustedUntil).toBe(new Date(later.getTime() + UNKNOWN_RESET_MS).toISOString());
  });

  it('confirm_polls 1 swaps on the first suspicion', () => {
    expect(decide({ verdicts: [verdict('ccl-auto-11', 'suspected')], quota: { ...QUOTA, confirmPolls: 1 } }).action).toBe('swap');
  });

  it('a recovered session clears the suspicion', () => {
    const suspicion: QuotaSuspicion = { session: 'ccl-auto-11', since: NOW.toISOString(), pattern: 'limit-menu', polls: 1 };
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'clear')], suspicion });
    expect(decision).toMatchObject({ action: 'none', suspicion: null });
    expect(decision.reason).toMatch(/recovered/);
  });

  it('a vanished session clears the suspicion too', () => {
    const suspicion: QuotaSuspicion = { session: 'ccl-auto-11', since: NOW.toISOString(), pattern: 'limit-menu', polls: 1 };
    expect(decide({ verdicts: [verdict('ccl-auto-12', 'clear')], suspicion }).suspicion).toBeNull();
  });

  it('another session suspected starts a fresh count instead of confirming', () => {
    const suspicion: QuotaSuspicion = { session: 'ccl-auto-11', since: '2026-11-21T19:00:00.000Z', pattern: 'limit-menu', polls: 1 };
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'clear'), verdict('ccl-auto-12', 'suspected')], suspicion });
    expect(decision).toMatchObject({ action: 'suspect', suspicion: { session: 'ccl-auto-12', polls: 1, since: NOW.toISOString() } });
  });

  it('a vetoed session neither confirms nor clears a running suspicion', () => {
    const suspicion: QuotaSuspicion = { session: 'ccl-auto-11', since: NOW.toISOString(), pattern: 'limit-menu', polls: 1 };
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'vetoed')], suspicion });
    expect(decision).toMatchObject({ action: 'none', suspicion });
  });

  it('within the cooldown after a swap, a confirmed limit is reported and triggers nothing', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'limit')], lastSwapAt: new Date(NOW.getTime() - 60_000).toISOString() });
    expect(decision).toMatchObject({ action: 'cooldown', exhaustedUntil: null, suspicion: null });
    expect(decision.forensic).toHaveLength(1);
  });

  it('within the cooldown a suspicion does not accumulate', () => {
    const suspicion: QuotaSuspicion = { session: 'ccl-auto-11', since: NOW.toISOString(), pattern: 'limit-menu', polls: 1 };
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'suspected')], suspicion, lastSwapAt: new Date(NOW.getTime() - 1000).toISOString() });
    expect(decision).toMatchObject({ action: 'cooldown', suspicion: null });
  });

  it('after the cooldown a confirmed limit swaps again', () => {
    const lastSwapAt = new Date(NOW.getTime() - QUOTA.reactivateCooldownMs).toISOString();
    expect(decide({ verdicts: [verdict('ccl-auto-11', 'limit')], lastSwapAt }).action).toBe('swap');
  });

  it('a quiet poll inside the cooldown is plain none', () => {
    expect(decide({ verdicts: [verdict('ccl-auto-11', 'clear')], lastSwapAt: NOW.toISOString() }).action).toBe('none');
  });
});

describe('what each kind of limit sets aside', () => {
  const hours = (h: number) => new Date(NOW.getTime() + h * 3_600_000).toISOString();
  const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000).toISOString();
  // [kind of limit, verdict, resetAt, exhaustedUntil after the swap (confirmPolls 1 for suspected ones)]
  const cases: Array<[string, string | null, SessionVerdict['kind'], string | null, string]> = [
    ['5-hour: until its reset', 'five_hour', 'limit', hours(3), hours(3)],
    ['weekly: until its reset, days away', 'seven_day', 'limit', hours(100), hours(100)],
    ['a limit that does not say which: until its reset', null, 'limit', hours(2), hours(2)],
    ['monthly spend: until its reset', 'monthly_spend', 'limit', hours(200), hours(200)],
    ["the organisation's spend: until its reset", 'org_monthly_spend', 'limit', hours(200), hours(200)],
    ['out of extra usage: until its reset', 'overage', 'limit', hours(8), hours(8)],
    ['an unknown type a release writes: account-wide, until its reset', 'seven_day_haiku', 'limit', hours(30), hours(30)],
    ['Opus weekly: the account still serves other models, so 5 hours at most', 'seven_day_opus', 'limit', hours(100), hours(MODEL_LIMIT_HOLD_MS / 3_600_000)],
    ['a per-model limit resetting sooner than that: its reset', 'model', 'limit', hours(2), hours(2)],
    ['a per-model limit without a reset: 5 hours', 'model', 'suspected', null, hours(MODEL_LIMIT_HOLD_MS / 3_600_000)],
    ['an account-wide limit without a reset: the 5-hour guess', 'five_hour', 'suspected', null, hours(UNKNOWN_RESET_MS / 3_600_000)],
    ['an API rate limit without a time: minutes, never hours', 'api_rate_limit', 'suspected', null, minutes(RATE_LIMIT_HOLD_MS / 60_000)],
    ['an API rate limit with a time: that time', 'api_rate_limit', 'suspected', minutes(5), minutes(5)],
    ['an API rate limit printing hours: capped at an hour', 'api_rate_limit', 'suspected', hours(6), minutes(RATE_LIMIT_MAX_HOLD_MS / 60_000)],
  ];
  it.each(cases)('%s', (_name, limitType, kind, resetAt, until) => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', kind, { limitType, resetAt })], quota: { ...QUOTA, confirmPolls: 1 } });
    expect(decision).toMatchObject({ action: 'swap', exhaustedUntil: until, resetKnown: kind === 'limit' });
  });

  it('a per-model and an account-wide limit at once: the later hold wins', () => {
    const decision = decide({
      verdicts: [verdict('ccl-auto-11', 'limit', { limitType: 'seven_day_opus', resetAt: hours(100) }), verdict('ccl-auto-12', 'limit', { limitType: 'five_hour', resetAt: hours(3) })],
    });
    expect(decision).toMatchObject({ exhaustedUntil: hours(5), trigger: { session: 'ccl-auto-11' } });
    expect(decision.reason).toMatch(/per-model limit .*other models.*set aside until/);
  });

  it('an API rate limit is never confirmed by one poll', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'suspected', { limitType: 'api_rate_limit', resetAt: minutes(5) })] });
    expect(decision).toMatchObject({ action: 'suspect', exhaustedUntil: null });
  });

  it('the forensic line names the kind and the model', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'limit', { limitType: 'seven_day_opus', limitModel: 'Opus' })] });
    expect(decision.forensic[0]).toContain('type=seven_day_opus model="Opus"');
  });
});

describe('decideQuota: a failed login', () => {
  const login = verdict('ccl-auto-12', 'login-failed', { pattern: 'login-failed-401', snippet: 'Please run /login · API Error: 401 OAuth token has expired', source: 'transcript' });
  it('swaps at once, marks no exhaustion, and names the failure', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'clear'), login] });
    expect(decision).toMatchObject({ action: 'swap', exhaustedUntil: null, loginFailure: { session: 'ccl-auto-12', message: login.snippet }, trigger: { session: 'ccl-auto-12' } });
    expect(decision.forensic).toHaveLength(1);
  });

  it('outranks a limit elsewhere and the cooldown after a swap (its evidence is newer than the swap)', () => {
    const decision = decide({ verdicts: [verdict('ccl-auto-11', 'limit'), login], lastSwapAt: new Date(NOW.getTime() - 60_000).toISOString() });
    expect(decision).toMatchObject({ action: 'swap', exhaustedUntil: null, loginFailure: { session: 'ccl-auto-12' } });
  });
});
