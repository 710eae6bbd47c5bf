import { isRecord } from '../../base/core/json.js';
import { parseResetDetail, type ResetDetail } from '../../claude-code/core/reset-time.js';
import {
  MENU_QUESTION,
  isProgress,
  limitWordingAt,
  serverErrorAt,
  shapeLines,
  snippetOf,
  tailLines,
  type ScreenLine,
} from '../../claude-code/core/screen-lines.js';
import type { QuotaSuspicion } from '../../base/core/state.js';

/**
 * Quota detection, pure: one verdict per session from its pane tail and newest transcript record, then
 * one decision for the account from all verdicts, the persisted suspicion and the swap cooldown.
 */

export type VerdictKind = 'limit' | 'suspected' | 'clear' | 'vetoed';

export interface QuotaVerdict {
  /** limit = confirmed with a reset time; suspected = a limit without a usable reset; vetoed = a server error too. */
  kind: VerdictKind;
  /** Which wording or record matched (`hit-your-limit`, `transcript-rate-limit`, …); null when clear. */
  pattern: string | null;
  /** When the limit resets (ISO), if known. */
  resetAt: string | null;
  /** `five_hour`, `seven_day`, … when the transcript says. */
  limitType: string | null;
  /** The matched line or message, at most 120 characters. */
  snippet: string | null;
  source: 'transcript' | 'pane' | null;
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
  now: Date;
  /** Zone for printed times without one (Claude Code prints the machine's local time). */
  defaultZone?: string;
}

/** How many non-empty pane lines are read: the current screen's tail, not the whole scrollback. */
export const TAIL_LINES = 20;

const clear = (menu = false, note: string | null = null): QuotaVerdict => ({
  kind: 'clear', pattern: null, resetAt: null, limitType: null, snippet: null, source: null, veto: null, menu, note,
});

type Hit = Omit<QuotaVerdict, 'veto' | 'menu'>;

export function classifySession(evidence: SessionEvidence): QuotaVerdict {
  const record = classifyRecord(evidence.transcriptRecord, evidence.now);
  const pane = classifyPane(evidence.pane, evidence.now, evidence.defaultZone);
  const veto = record.serverError ?? pane.veto;
  // The conversation's newest turn is a limit whose exact reset has passed: no turn since, so the limit the pane
  // still shows is that one, over. Read as current, it would swap away from an account that is usable again (and
  // mark it exhausted for hours) when a fleet that waited out a limit finds its banners still on screen.
  if (record.resetPassed && pane.hit && !veto) return clear(pane.menu, record.note);

  // Strongest evidence first: an exact transcript record, then a pane hit with a reset, then anything suspected.
  const hit = [record.hit, pane.hit].find((h) => h?.kind === 'limit') ?? record.hit ?? pane.hit;
  if (!hit) return clear(pane.menu, pane.note ?? record.note);
  if (veto) return { ...hit, kind: 'vetoed', veto, menu: pane.menu, note: `a server error (${veto}) shows in the same tail: not a quota` };
  return { ...hit, veto: null, menu: pane.menu };
}

interface PaneFindings {
  hit: Hit | null;
  veto: string | null;
  menu: boolean;
  note: string | null;
}

interface CurrentLimit {
  line: ScreenLine;
  wording: string;
}

/**
 * What a pane tail shows, read without the clock: the limit lines that describe the current state (after the last
 * sign of activity), a limit line that newer activity made history, the server-error veto and an open menu.
 */
interface PaneScan {
  current: CurrentLimit[];
  /** The newest limit line when newer activity follows it (history, not the current state). */
  stale: CurrentLimit | null;
  veto: string | null;
  menu: boolean;
}

function scanPane(pane: string): PaneScan {
  const lines = shapeLines(tailLines(pane, TAIL_LINES));
  const wordings: Array<string | null> = [];
  lines.forEach((_, i) => wordings.push(limitWordingAt(lines, i, (j) => wordings[j] !== null)));
  const menu = lines.some((line) => MENU_QUESTION.test(line.content)) || wordings.includes('limit-menu');
  const veto = lines.map(serverErrorAt).find((marker) => marker !== null) ?? null;

  const lastHit = wordings.findLastIndex((w) => w !== null);
  if (lastHit < 0) return { current: [], stale: null, veto, menu };
  if (lines.slice(lastHit + 1).some((line) => isProgress(line, false))) {
    return { current: [], stale: { line: lines[lastHit] as ScreenLine, wording: wordings[lastHit] as string }, veto, menu };
  }
  // The current limit is the run of hit lines after the last sign of activity.
  const lastActivity = lines.findLastIndex((line, i) => i < lastHit && isProgress(line, wordings[i] !== null));
  const current = lines
    .map((line, i) => ({ line, wording: wordings[i] ?? null, index: i }))
    .filter((entry): entry is { line: ScreenLine; wording: string; index: number } => entry.wording !== null && entry.index > lastActivity)
    .map(({ line, wording }) => ({ line, wording }));
  return { current, stale: null, veto, menu };
}

/**
 * The one notion of "this pane shows a usage limit" (check-quota's classification without the clock or the
 * transcript): a current limit line of Claude Code's own, not vetoed by a server error. Reconcile's completion
 * logic uses it too, so "Concurrent subagent limit reached" or "continuing with extra usage" never count anywhere.
 */
export function paneShowsUsageLimit(pane: string): boolean {
  const scan = scanPane(pane);
  return scan.current.length > 0 && scan.veto === null;
}

function classifyPane(pane: string, now: Date, defaultZone: string | undefined): PaneFindings {
  const { current, stale, veto, menu } = scanPane(pane);
  if (stale) {
    const note = 'a limit message is followed by newer activity: history, not the current state';
    // With a server error in the tail as well, report the veto (the README's retry-after-limit screen).
    if (!veto) return { hit: null, veto, menu, note };
    const hit: Hit = { kind: 'suspected', pattern: stale.wording, resetAt: null, limitType: null, snippet: snippetOf(stale.line.text), source: 'pane', note };
    return { hit, veto, menu, note: null };
  }
  if (current.length === 0) return { hit: null, veto, menu, note: null };

  const reset = bestReset(current.map((entry) => entry.line.content), now, defaultZone);
  const primary = (reset && current[reset.index]) || (current[current.length - 1] as CurrentLimit);
  const base = { pattern: primary.wording, limitType: null, snippet: snippetOf(primary.line.text), source: 'pane' as const };
  if (!reset) return { hit: { ...base, kind: 'suspected', resetAt: null, note: 'no reset time shown' }, veto, menu, note: null };
  if (reset.detail.at.getTime() <= now.getTime()) {
    // The printed reset has passed yet the limit still shows: the reset moved (users report this). Not proof.
    return {
      hit: { ...base, kind: 'suspected', resetAt: reset.detail.at.toISOString(), note: 'the printed reset time has already passed' },
      veto,
      menu,
      note: null,
    };
  }
  return { hit: { ...base, kind: 'limit', resetAt: reset.detail.at.toISOString(), note: null }, veto, menu, note: null };
}

/** The reset among the limit lines: a line that names its zone beats one read in the machine's zone. */
function bestReset(texts: string[], now: Date, defaultZone: string | undefined): { detail: ResetDetail; index: number } | null {
  const parsed = texts
    .map((text, index) => ({ detail: parseResetDetail(text, now, defaultZone), index }))
    .filter((entry): entry is { detail: ResetDetail; index: number } => entry.detail !== null);
  return parsed.find((entry) => entry.detail.explicitZone) ?? parsed[0] ?? null;
}

interface RecordFindings {
  hit: Hit | null;
  serverError: string | null;
  note: string | null;
  /** The record is a usage limit whose exact reset time has passed. */
  resetPassed?: true;
}

const SERVER_ERROR_TYPES = new Set(['api_error', 'overloaded_error', 'server_error']);

/**
 * The record Claude Code appends when a usage limit stops a turn (reference transcript-usage-limit-record.json):
 * `isApiErrorMessage`, `apiErrorStatus: 429`, `error: "rate_limit"`, the exact reset in
 * `apiErrorParams.rate_limit_info.resetsAt` (epoch seconds) and `rateLimitType`.
 */
function classifyRecord(record: unknown, now: Date): RecordFindings {
  const none: RecordFindings = { hit: null, serverError: null, note: null };
  if (!isRecord(record) || record.isApiErrorMessage !== true) return none;
  const status = record.apiErrorStatus;
  const errorType = typeof record.error === 'string' ? record.error : null;
  const apiErrorType = typeof record.apiErrorType === 'string' ? record.apiErrorType : null;
  if ((typeof status === 'number' && status >= 500) || SERVER_ERROR_TYPES.has(errorType ?? '') || SERVER_ERROR_TYPES.has(apiErrorType ?? '')) {
    return { ...none, serverError: `transcript-${typeof status === 'number' ? status : errorType ?? apiErrorType}` };
  }
  if (status !== 429 || (errorType !== 'rate_limit' && apiErrorType !== 'rate_limit_error')) return none;

  const info = [isRecord(record.apiErrorParams) ? record.apiErrorParams.rate_limit_info : undefined, record.quotaLimits].find(isRecord);
  const resetsAt = info?.resetsAt;
  const limitType = typeof info?.rateLimitType === 'string' ? info.rateLimitType : null;
  const base = { pattern: 'transcript-rate-limit', limitType, snippet: recordSnippet(record), source: 'transcript' as const };
  if (typeof resetsAt !== 'number' || !Number.isFinite(resetsAt) || resetsAt <= 0) {
    return { ...none, hit: { ...base, kind: 'suspected', resetAt: null, note: 'the rate-limit record carries no reset time' } };
  }
  const resetAt = new Date(resetsAt * 1000);
  if (resetAt.getTime() <= now.getTime()) {
    // The newest record reports a limit that has since reset: it says nothing about now.
    return { ...none, resetPassed: true, note: `the newest transcript record is a limit that reset at ${resetAt.toISOString()}: what the pane shows of it is over` };
  }
  return { ...none, hit: { ...base, kind: 'limit', resetAt: resetAt.toISOString(), note: null } };
}

function recordSnippet(record: Record<string, unknown>): string | null {
  const message = isRecord(record.message) ? record.message : undefined;
  const content = Array.isArray(message?.content) ? message.content : [];
  const text = content.find((part): part is { text: string } => isRecord(part) && typeof part.text === 'string')?.text;
  return text ? snippetOf(text) : typeof record.apiError === 'string' ? snippetOf(record.apiError) : null;
}

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
  /** False when no session showed a reset time and exhaustedUntil is the UNKNOWN_RESET_MS guess. */
  resetKnown: boolean;
  /** What to persist as state.quotaSuspicion. */
  suspicion: QuotaSuspicion | null;
  /** The verdict that decided it, if any. */
  trigger: SessionVerdict | null;
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

export function forensicLine(verdict: SessionVerdict): string {
  return [
    `quota detection: session=${verdict.session}`,
    `verdict=${verdict.kind}`,
    `pattern=${verdict.pattern ?? '-'}`,
    `reset=${verdict.resetAt ?? 'unknown'}`,
    ...(verdict.limitType ? [`type=${verdict.limitType}`] : []),
    ...(verdict.veto ? [`veto=${verdict.veto}`] : []),
    `source=${verdict.source ?? '-'}`,
    `snippet=${JSON.stringify(verdict.snippet ?? '')}`,
  ].join(' ');
}

/**
 * The account-level decision: a confirmed limit (reset time known) swaps at once; a suspected one needs
 * `confirmPolls` consecutive polls of the same session (a session that recovers, vanishes or stops looking limited
 * clears the suspicion); within `reactivateCooldownMs` after a swap detections are reported and trigger nothing
 * (the screens may still show the old account's limit).
 */
export function decideQuota(input: QuotaDecisionInput): QuotaDecision {
  const { verdicts, now } = input;
  const forensic = verdicts.filter((v) => v.kind !== 'clear').map(forensicLine);
  const confirmed = verdicts.filter((v) => v.kind === 'limit');
  const suspected = verdicts.filter((v) => v.kind === 'suspected');
  const base = { exhaustedUntil: null, resetKnown: false, forensic };

  const lastSwap = input.lastSwapAt === null ? NaN : Date.parse(input.lastSwapAt);
  const sinceSwap = now.getTime() - lastSwap;
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
    // The account is usable again only when every limit shown has reset: keep the latest reset.
    const latest = confirmed.reduce((a, b) => (Date.parse(b.resetAt as string) > Date.parse(a.resetAt as string) ? b : a));
    return {
      ...base,
      action: 'swap',
      exhaustedUntil: latest.resetAt,
      resetKnown: true,
      suspicion: null,
      trigger: latest,
      reason: `${latest.session} shows a usage limit (${latest.pattern}) until ${latest.resetAt}`,
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
      reason: `${current.session} may be limited (${suspicion.pattern}, no reset time): poll ${suspicion.polls} of ${input.quota.confirmPolls}`,
    };
  }
  return {
    ...base,
    action: 'swap',
    exhaustedUntil: new Date(now.getTime() + UNKNOWN_RESET_MS).toISOString(),
    suspicion,
    trigger: current,
    reason: `${current.session} showed a usage limit (${suspicion.pattern}) on ${suspicion.polls} consecutive polls; reset time unknown`,
  };
}
