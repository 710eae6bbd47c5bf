/**
 * The account-level decision, pure: from every session's verdict, the persisted suspicion and the swap cooldown,
 * whether to swap and until when the account is exhausted. What a limit stops decides how long:
 * - an account-wide limit (5-hour, weekly, monthly spend, out of extra usage, or one that does not say): until its
 *   reset;
 * - a per-model limit (`You've hit your Opus limit`): the fleet swaps, because the sessions that need that model
 *   are stopped and the fleet runs one account at a time, but the account still serves its other models, so it is
 *   marked exhausted for MODEL_LIMIT_HOLD_MS at most (or until the reset, if sooner) instead of days: it comes back
 *   into the rotation at the next window, and a task that needs the model again costs one failed turn and a swap;
 * - an API key's rate limit (`rate_limit_error`): it lifts within seconds to minutes, so it is never confirmed by
 *   one poll, and once it persisted over `confirm_polls` polls the account is set aside for minutes, never hours;
 * - a failed login (401/403, `authentication_failed`): the account serves nothing until someone logs in, so the
 *   fleet swaps at once, cooldown or not (the evidence is newer than the last swap), and the account is marked
 *   login-failed, never "exhausted until".
 */

import { unreachable } from '../../base/core/errors.js';
import { limitScopeOf } from '../../claude-code/core/limit-wordings.js';
import type { QuotaSuspicion } from '../../base/core/state.js';
import type { QuotaVerdict } from './classify.js';

export interface SessionVerdict extends QuotaVerdict {
  session: string;
}

export type QuotaAction = 'none' | 'suspect' | 'swap' | 'cooldown';

export interface QuotaDecisionInput {
  verdicts: SessionVerdict[];
  /** The suspicion persisted by the previous poll (state.quotaSuspicion). */
  suspicion: QuotaSuspicion | null;
  quota: { confirmPolls: number; reactivateCooldownMs: number };
  /** When the last swap happened (ISO), if any. */
  lastSwapAt: string | null;
  now: Date;
}

export interface QuotaDecision {
  action: QuotaAction;
  /** Until when the active account is exhausted (ISO), when the action is a swap. */
  exhaustedUntil: string | null;
  /** False when no session showed a reset time and exhaustedUntil is a hold guessed from the limit's kind. */
  resetKnown: boolean;
  /** What to persist as state.quotaSuspicion. */
  suspicion: QuotaSuspicion | null;
  /** The verdict that decided it, if any. */
  trigger: SessionVerdict | null;
  /** The failed login that decided a swap (its session and Claude Code's message), else null. */
  loginFailure: { session: string; message: string } | null;
  reason: string;
  /** One line per detection (limit, suspected or vetoed) for the log: session, pattern, reset, snippet. */
  forensic: string[];
}

/**
 * How long an account whose limit was confirmed by repetition (no reset time shown) is assumed exhausted: the
 * 5-hour window, the shortest subscription limit. Long enough not to swap straight back into it, short enough not to
 * lose the account for a week on a guess.
 */
export const UNKNOWN_RESET_MS = 5 * 3_600_000;
/** The longest a per-model limit sets the whole account aside (it still serves its other models). */
export const MODEL_LIMIT_HOLD_MS = 5 * 3_600_000;
/** How long an API key's rate limit sets the account aside when it prints no time, and the most when it does. */
export const RATE_LIMIT_HOLD_MS = 15 * 60_000;
export const RATE_LIMIT_MAX_HOLD_MS = 60 * 60_000;

export function forensicLine(verdict: SessionVerdict): string {
  return [
    `quota detection: session=${verdict.session}`,
    `verdict=${verdict.kind}`,
    `pattern=${verdict.pattern ?? '-'}`,
    `reset=${verdict.resetAt ?? 'unknown'}`,
    ...(verdict.limitType ? [`type=${verdict.limitType}`] : []),
    ...(verdict.limitModel ? [`model=${JSON.stringify(verdict.limitModel)}`] : []),
    ...(verdict.veto ? [`veto=${verdict.veto}`] : []),
    `source=${verdict.source ?? '-'}`,
    `snippet=${JSON.stringify(verdict.snippet ?? '')}`,
  ].join(' ');
}

/** Until when a verdict sets the account aside (ms), by what its limit stops; `resetAt` is null when unknown. */
function holdUntil(verdict: SessionVerdict, nowMs: number): number {
  const reset = verdict.resetAt === null ? Number.NaN : Date.parse(verdict.resetAt);
  const known = Number.isFinite(reset) && reset > nowMs;
  const scope = limitScopeOf(verdict.limitType);
  switch (scope) {
    case 'account':
      return known ? reset : nowMs + UNKNOWN_RESET_MS;
    case 'model':
      return Math.min(known ? reset : Number.POSITIVE_INFINITY, nowMs + MODEL_LIMIT_HOLD_MS);
    case 'short':
      return known ? Math.min(reset, nowMs + RATE_LIMIT_MAX_HOLD_MS) : nowMs + RATE_LIMIT_HOLD_MS;
    default:
      return unreachable(scope, 'limit scope');
  }
}

function describe(verdict: SessionVerdict): string {
  const scope = limitScopeOf(verdict.limitType);
  if (scope === 'model') return `a per-model limit (${verdict.limitModel ?? verdict.limitType}; the account still serves other models)`;
  if (scope === 'short') return `an API rate limit (${verdict.pattern})`;
  return `a usage limit (${verdict.pattern}${verdict.limitType ? `, ${verdict.limitType}` : ''})`;
}

/**
 * A confirmed limit (reset time known) swaps at once; a suspected one needs `confirmPolls` consecutive polls of the
 * same session (a session that recovers, vanishes or stops looking limited clears the suspicion); within
 * `reactivateCooldownMs` after a swap detections are reported and trigger nothing (the screens may still show the
 * old account's limit).
 */
export function decideQuota(input: QuotaDecisionInput): QuotaDecision {
  const { verdicts, now } = input;
  const nowMs = now.getTime();
  const forensic = verdicts.filter((v) => v.kind !== 'clear').map(forensicLine);
  const confirmed = verdicts.filter((v) => v.kind === 'limit');
  const suspected = verdicts.filter((v) => v.kind === 'suspected');
  const base = { exhaustedUntil: null, resetKnown: false, forensic, loginFailure: null };

  const login = verdicts.find((v) => v.kind === 'login-failed');
  if (login) {
    const message = login.snippet ?? 'authentication failed';
    return {
      ...base,
      action: 'swap',
      suspicion: null,
      trigger: login,
      loginFailure: { session: login.session, message },
      reason: `${login.session}: the login of the account failed (${message})`,
    };
  }

  const lastSwap = input.lastSwapAt === null ? NaN : Date.parse(input.lastSwapAt);
  const sinceSwap = nowMs - lastSwap;
  if ((confirmed.length > 0 || suspected.length > 0) && sinceSwap >= 0 && sinceSwap < input.quota.reactivateCooldownMs) {
    return {
      ...base,
      action: 'cooldown',
      suspicion: null,
      trigger: confirmed[0] ?? suspected[0] ?? null,
      reason: `a limit shows, but the last swap was ${Math.round(sinceSwap / 1000)}s ago (cooldown ${Math.round(input.quota.reactivateCooldownMs / 1000)}s): nothing triggered`,
    };
  }

  if (confirmed.length > 0) {
    // The account is usable again only when every limit shown has reset: keep the latest hold.
    const latest = confirmed.reduce((a, b) => (holdUntil(b, nowMs) > holdUntil(a, nowMs) ? b : a));
    const until = new Date(holdUntil(latest, nowMs)).toISOString();
    const capped = until !== latest.resetAt ? `; set aside until ${until}` : '';
    return {
      ...base,
      action: 'swap',
      exhaustedUntil: until,
      resetKnown: true,
      suspicion: null,
      trigger: latest,
      reason: `${latest.session} shows ${describe(latest)} until ${latest.resetAt}${capped}`,
    };
  }

  const prior = input.suspicion;
  const continued = prior ? suspected.find((v) => v.session === prior.session) : undefined;
  const current = continued ?? suspected[0];
  if (!current) {
    const vetoed = verdicts.find((v) => v.kind === 'vetoed');
    // A vetoed session is neither a limit nor a recovery: it keeps a running suspicion without advancing it.
    const keep = prior && vetoed?.session === prior.session ? prior : null;
    const reason = vetoed ? `limit wording vetoed by a server error on ${vetoed.session}` : prior ? `${prior.session} recovered: suspicion cleared` : 'no session shows a usage limit';
    return { ...base, action: 'none', suspicion: keep, trigger: vetoed ?? null, reason };
  }

  const suspicion: QuotaSuspicion =
    continued && prior
      ? { session: prior.session, since: prior.since, pattern: current.pattern ?? prior.pattern, polls: prior.polls + 1 }
      : { session: current.session, since: now.toISOString(), pattern: current.pattern ?? 'unknown', polls: 1 };
  if (suspicion.polls < input.quota.confirmPolls) {
    return {
      ...base,
      action: 'suspect',
      suspicion,
      trigger: current,
      reason: `${current.session} may be limited (${suspicion.pattern}, ${current.resetAt ? `reset ${current.resetAt}` : 'no reset time'}): poll ${suspicion.polls} of ${input.quota.confirmPolls}`,
    };
  }
  return {
    ...base,
    action: 'swap',
    exhaustedUntil: new Date(holdUntil(current, nowMs)).toISOString(),
    suspicion,
    trigger: current,
    reason: `${current.session} showed ${describe(current)} on ${suspicion.polls} consecutive polls; reset time ${current.resetAt ? `printed as ${current.resetAt}` : 'unknown'}`,
  };
}
