import { describe, expect, it } from 'vitest';
import { UNKNOWN_RESET_MS, decideQuota, type QuotaDecisionInput, type SessionVerdict } from '../../../src/quota/core/decide.js';
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
