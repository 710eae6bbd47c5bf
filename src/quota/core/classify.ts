/**
 * Quota detection, pure: one verdict per session from its pane tail and newest transcript record (decide.ts then
 * makes one decision for the account from all verdicts). How a release draws and records a limit is read in
 * claude-code/core (limit-scan.ts, limit-record.ts); this file weighs the two.
 */

import { unreachable } from '../../base/core/errors.js';
import type { RecordReading } from '../../claude-code/core/limit-record.js';
import { paneTurnFailure, readStopFailure, readTurnRecord, type TurnFailure, type TurnReading } from '../../claude-code/core/turn-record.js';
import { liveLimit, scanPane, type LimitLine } from '../../claude-code/core/limit-scan.js';
import { limitScopeOf } from '../../claude-code/core/limit-wordings.js';
import { snippetOf } from '../../claude-code/core/screen-lines.js';

export type VerdictKind = 'limit' | 'suspected' | 'clear' | 'vetoed' | 'login-failed';

export interface QuotaVerdict {
  /**
   * limit = confirmed with a reset time; suspected = a limit without a usable reset; vetoed = a server error too;
   * login-failed = the turn failed because the account's login is not accepted (snippet: Claude Code's message).
   */
  kind: VerdictKind;
  /** Which wording or record matched (`hit-your-limit`, `transcript-rate-limit`, …); null when clear. */
  pattern: string | null;
  /** When the limit resets (ISO), if known. */
  resetAt: string | null;
  /**
   * The kind of limit, named as the transcript's `rateLimitType`: `five_hour`, `seven_day`, `seven_day_opus`,
   * `seven_day_sonnet`, `seven_day_overage_included`, `model`, `monthly_spend`, `org_monthly_spend`, `overage`,
   * `api_rate_limit` (see limit-wordings.ts); null when the wording does not say which.
   */
  limitType: string | null;
  /** The model a per-model limit names (`Opus`, `Fable 5`), else null. */
  limitModel: string | null;
  /** The matched line or message, at most 120 characters. */
  snippet: string | null;
  source: 'signal' | 'transcript' | 'pane' | null;
  /** The server-error marker behind a veto. */
  veto: string | null;
  /** Claude Code's blocking limit menu is open (it needs Escape before anything is typed). */
  menu: boolean;
  /** Why a limit-looking screen was not taken at face value. */
  note: string | null;
}

export interface SessionEvidence {
  /** The captured pane (any number of lines; the last ~20 non-empty ones are read). */
  pane: string;
  /** The newest transcript record, parsed JSON, when the session runs Claude Code and one was found. */
  transcriptRecord?: unknown;
  /** What the StopFailure hook recorded of the session's current turn, when it is that turn's (evidence.ts). */
  failedSignal?: { error: string; message: string | null } | null;
  /** The record is older than the last login or swap: a login failure it shows is over. */
  loginHistory?: boolean;
  /** No record, and the pane's last reply belongs to a turn newer than the last login or swap (evidence.ts). */
  paneTurn?: boolean;
  now: Date;
  /** Zone for printed times without one (Claude Code prints the machine's local time). */
  defaultZone?: string;
}

/** A verdict that found nothing to report (a note may say why something limit-like did not count). */
export function clearVerdict(menu = false, note: string | null = null): QuotaVerdict {
  return { kind: 'clear', pattern: null, resetAt: null, limitType: null, limitModel: null, snippet: null, source: null, veto: null, menu, note };
}

type Hit = Omit<QuotaVerdict, 'veto' | 'menu'>;

interface Findings {
  hit: Hit | null;
  veto: string | null;
  menu: boolean;
  note: string | null;
  /** The limit this evidence shows has already reset: what else shows of it is over too. */
  resetPassed: boolean;
}

export function classifySession(evidence: SessionEvidence): QuotaVerdict {
  const turn = readTurnRecord(evidence.transcriptRecord, evidence.now, evidence.defaultZone);
  const login = loginFailureOf(evidence, turn);
  if (login) return login;
  const record = classifyRecord(limitReadingOf(turn), evidence.now);
  const pane = classifyPane(evidence.pane, evidence.now, evidence.defaultZone);
  const veto = record.veto ?? pane.veto;
  // The conversation's newest turn is a limit whose reset has passed: no turn since, so the limit the pane still
  // shows is that one, over. Read as current, it would swap away from an account that is usable again (and mark
  // it exhausted for hours) when a fleet that waited out a limit finds its banners still on screen.
  if (record.resetPassed && pane.hit && !veto) return clearVerdict(pane.menu, record.note);

  // Strongest evidence first: a record or pane hit with a reset, the record before the pane, then anything suspected.
  const hit = [record.hit, pane.hit].find((h) => h?.kind === 'limit') ?? record.hit ?? pane.hit;
  if (!hit) return clearVerdict(pane.menu, pane.note ?? record.note);
  // The other source may name the kind the chosen one does not (a 2.1.200 record says `rate_limit` only).
  const other = hit === record.hit ? pane.hit : record.hit;
  const named = hit.limitType === null && other?.limitType ? { limitType: other.limitType, limitModel: other.limitModel } : {};
  if (veto) return { ...hit, ...named, kind: 'vetoed', veto, menu: pane.menu, note: `a server error (${veto}) shows in the same tail: not a quota` };
  return { ...hit, ...named, veto: null, menu: pane.menu };
}

/**
 * The verdict a reset gives a limit: ahead → confirmed, except an API key's rate limit (it lifts within seconds
 * to minutes and Claude Code retries by itself: only its persistence over several polls is worth a swap); unknown
 * → suspected; passed → over ("resetting now": the line was drawn once and proves nothing after its reset; a limit
 * that moved draws a new line with the new time, confirmed then).
 */
function judgeReset(limitType: string | null, resetAt: Date | null, now: Date): { kind: 'limit' | 'suspected' | 'over'; note: string | null } {
  if (resetAt === null) return { kind: 'suspected', note: 'no reset time shown' };
  if (resetAt.getTime() <= now.getTime()) return { kind: 'over', note: `resetting now: the printed reset (${resetAt.toISOString()}) has passed` };
  if (limitScopeOf(limitType) === 'short') return { kind: 'suspected', note: "an API key's rate limit: it lifts within minutes" };
  return { kind: 'limit', note: null };
}

/**
 * A failed login, strongest evidence first: the StopFailure signal, the newest record, the pane's last reply. It
 * needs no second poll: the account will not serve again until someone logs in. The pane has no time of its own,
 * so it counts only where no record is found and its turn is known to be newer than the last login or swap.
 */
function loginFailureOf(evidence: SessionEvidence, turn: TurnReading): QuotaVerdict | null {
  const signal = evidence.failedSignal ? readStopFailure(evidence.failedSignal.error, evidence.failedSignal.message) : null;
  const found: Array<[TurnFailure | null, 'signal' | 'transcript' | 'pane']> = [
    [signal, 'signal'],
    [turn.kind === 'failure' && !evidence.loginHistory ? turn.failure : null, 'transcript'],
    [turn.kind === 'none' && evidence.paneTurn ? paneTurnFailure(evidence.pane) : null, 'pane'],
  ];
  for (const [failure, source] of found) {
    if (failure?.kind !== 'login-failed') continue;
    return { ...clearVerdict(), kind: 'login-failed', pattern: `login-failed${failure.status ? `-${failure.status}` : ''}`, snippet: snippetOf(failure.message), source };
  }
  return null;
}

/** The usage-limit side of the turn's reading: a limit, a server error (a veto), or nothing. */
function limitReadingOf(turn: TurnReading): RecordReading {
  if (turn.kind !== 'failure') return { kind: 'none' };
  const failure = turn.failure;
  if (failure.kind === 'usage-limit' && failure.limit) return failure.limit;
  if (failure.kind === 'failed' && failure.marker !== null) return { kind: 'server-error', marker: failure.marker };
  return { kind: 'none' };
}

function classifyPane(pane: string, now: Date, defaultZone: string | undefined): Findings {
  const { current, stale, veto, menu } = scanPane(pane);
  const none = { veto, menu, resetPassed: false };
  if (stale) {
    const note = 'a limit message is followed by newer activity: history, not the current state';
    // With a server error in the tail as well, report the veto (a retry after an old limit).
    if (!veto) return { ...none, hit: null, note };
    return { ...none, hit: { ...paneHit(stale), kind: 'suspected', resetAt: null, note }, note: null };
  }
  const live = liveLimit(current, now, defaultZone);
  if (live === null) return { ...none, hit: null, note: null };
  const resetAt = live.reset?.at ?? null;
  const judged = judgeReset(live.limitType, resetAt, now);
  if (judged.kind === 'over') return { ...none, hit: null, note: judged.note, resetPassed: true };
  const note = judged.note ?? (live.reset?.ambiguous ? `the reset "${live.reset.matched}" has no am/pm: the sooner reading ahead was taken` : null);
  return { ...none, hit: { ...paneHit(live.primary), kind: judged.kind, resetAt: resetAt?.toISOString() ?? null, note }, note: null };
}

function paneHit(line: LimitLine): Omit<Hit, 'kind' | 'resetAt' | 'note'> {
  return { pattern: line.wording, limitType: line.limitType, limitModel: line.model, snippet: snippetOf(line.line.text), source: 'pane' };
}

function classifyRecord(reading: RecordReading, now: Date): Findings & { veto: string | null } {
  const none = { hit: null, veto: null, menu: false, note: null, resetPassed: false };
  switch (reading.kind) {
    case 'none':
      return none;
    case 'server-error':
      return { ...none, veto: reading.marker };
    case 'limit': {
      const judged = judgeReset(reading.limitType, reading.resetAt, now);
      if (judged.kind === 'over') {
        const at = (reading.resetAt as Date).toISOString();
        return { ...none, resetPassed: true, note: `the newest transcript record is a limit that reset at ${at}: what the pane shows of it is over` };
      }
      const note = judged.kind === 'suspected' && reading.resetAt === null ? 'the rate-limit record carries no reset time' : judged.note;
      const hit: Hit = {
        kind: judged.kind,
        pattern: 'transcript-rate-limit',
        resetAt: reading.resetAt?.toISOString() ?? null,
        limitType: reading.limitType,
        limitModel: reading.model,
        snippet: reading.text !== null ? snippetOf(reading.text) : reading.apiError !== null ? snippetOf(reading.apiError) : null,
        source: 'transcript',
        note,
      };
      return { ...none, hit };
    }
    default:
      return unreachable(reading, 'record reading');
  }
}
