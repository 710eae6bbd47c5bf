/**
 * The usage-limit wordings Claude Code prints (every release from 2.1.100 on, and the older forms users report
 * publicly), the kind of limit each names, and the look-alikes that must never count. Pure.
 *
 * A wording must START a line's content and be followed by one of Claude Code's separators (`·`, `∙`, `|`, `—`,
 * `. Your limit…`, `. Run /usage-credits…`) or end the line: plain prose ("Usage limit reached errors happen
 * when…") does neither. Which lines may carry a wording at all is decided by their role (screen-lines.ts).
 */

/**
 * The kinds of limit, named after the transcript's `rateLimitType` where Claude Code has one, so that a limit read
 * from the screen and the same limit read from the transcript carry the same name.
 */
export type LimitType =
  | 'five_hour'
  | 'seven_day'
  | 'seven_day_opus'
  | 'seven_day_sonnet'
  | 'seven_day_overage_included'
  | 'model'
  | 'monthly_spend'
  | 'org_monthly_spend'
  | 'overage'
  | 'api_rate_limit';

/**
 * What a limit stops: the whole account until its reset, one model (the account still serves the others), or an
 * API key's request rate for seconds to minutes.
 */
export type LimitScope = 'account' | 'model' | 'short';

export const LIMIT_TYPES = {
  five_hour: { scope: 'account', meaning: 'the 5-hour (session) window is used up' },
  seven_day: { scope: 'account', meaning: 'the weekly allowance is used up' },
  seven_day_opus: { scope: 'model', meaning: 'the weekly Opus allowance is used up; other models still answer' },
  seven_day_sonnet: { scope: 'model', meaning: 'the weekly Sonnet allowance is used up; other models still answer' },
  seven_day_overage_included: { scope: 'model', meaning: 'the weekly allowance of a model included with usage credits is used up' },
  model: { scope: 'model', meaning: 'one model is limited (or needs usage credits); other models still answer' },
  monthly_spend: { scope: 'account', meaning: 'the monthly spend limit of this account is reached' },
  org_monthly_spend: { scope: 'account', meaning: "the organisation's (or team's, channel's) monthly spend or usage limit is reached" },
  overage: { scope: 'account', meaning: 'out of extra usage (usage credits) after the plan limit' },
  api_rate_limit: { scope: 'short', meaning: "an API key's request or token rate: it lifts within seconds to minutes" },
} as const satisfies Record<LimitType, { scope: LimitScope; meaning: string }>;

/** The scope of a limit type; any other `rateLimitType` a release writes is taken as account-wide (fail-safe). */
export function limitScopeOf(limitType: string | null): LimitScope {
  return limitType !== null && Object.hasOwn(LIMIT_TYPES, limitType) ? LIMIT_TYPES[limitType as LimitType].scope : 'account';
}

export interface WordingMatch {
  /** The wording's name, as reported in a verdict's `pattern`. */
  wording: string;
  limitType: LimitType | null;
  /** The model a per-model limit names (`Opus`, `Fable 5`). */
  model: string | null;
}

// What may follow a wording: a separator, a sentence that goes on with Claude Code's advice, or nothing.
const GUARD = String.raw`(?=\s*(?:$|[·∙•|—–(:]|\.\s*(?:$|[A-Z/])|,\s))`;
const APOSTROPHE = `['’]`;
const MODEL = String.raw`(?:Opus|Sonnet|Haiku|Fable|[A-Z][a-z]+)(?:\s+\d+(?:\.\d+)?)?`;

/** `You've hit your …` / `You've reached your …`: what is between `your` and the guard names the kind. */
const HIT_YOUR = new RegExp(
  String.raw`^You${APOSTROPHE}ve\s+(?:hit|reached)\s+your\s+(?<what>(?:[\w'’-]+\s+){0,4}?(?:limit|budget))(?:\s+for\s+(?:this|the)\s+(?:week|month|day))?${GUARD}`,
  'i',
);
/** `5-hour limit reached ∙ resets 3am`, `Opus weekly limit reached`, `Limit reached · resets in 2h 30m`. */
const REACHED = new RegExp(String.raw`^(?<what>(?:[\w'’-]+\s+){0,3}?)limit\s+reached(?:\s+again)?\b${GUARD}`, 'i');

interface Wording {
  name: string;
  pattern: RegExp;
  kind: (match: RegExpExecArray) => { limitType: LimitType | null; model: string | null } | null;
}

const fixed = (limitType: LimitType | null) => () => ({ limitType, model: null });

/** Every wording, in the order tried. A `kind` answering null means the text only looks like a limit. */
const WORDINGS: readonly Wording[] = [
  { name: 'hit-your-limit', pattern: HIT_YOUR, kind: (m) => kindOfQualifier(m.groups?.what ?? '', true) },
  // `Usage limit reached · …`, `Claude AI usage limit reached|1749924000`, `Claude usage limit reached. Your limit…`
  { name: 'usage-limit-reached', pattern: new RegExp(String.raw`^(?:Claude(?:\s+AI)?\s+)?usage\s+limit\s+reached(?:\s+again)?\b${GUARD}`, 'i'), kind: fixed(null) },
  { name: 'limit-reached', pattern: REACHED, kind: (m) => kindOfQualifier(m.groups?.what ?? '', false) },
  { name: 'out-of-extra-usage', pattern: new RegExp(String.raw`^You${APOSTROPHE}re\s+out\s+of\s+(?:extra\s+usage|usage\s+credits)\b${GUARD}`, 'i'), kind: fixed('overage') },
  { name: 'org-out-of-usage', pattern: new RegExp(String.raw`^Your\s+(?:org|organi[sz]ation)\s+is\s+out\s+of\s+(?:extra\s+)?usage\b${GUARD}`, 'i'), kind: fixed('org_monthly_spend') },
  { name: 'usage-paused', pattern: /^Usage\s+is\s+paused\s+for\s+your\s+organi[sz]ation\b/i, kind: fixed('org_monthly_spend') },
  // `Goal paused · usage limit reached · …` (a background goal stopped by the limit)
  {
    name: 'goal-paused',
    pattern: /^Goal\s+paused\s*[·∙]\s*(?:(usage\s+limit\s+reached)|(usage\s+is\s+paused)|(the\s+request\s+was\s+rate\s+limited))/i,
    kind: (m) => ({ limitType: m[1] ? null : m[2] ? 'org_monthly_spend' : 'api_rate_limit', model: null }),
  },
  // `Fable 5 requires usage credits.`: the model is not in the plan and no credits are left for it.
  {
    name: 'model-requires-credits',
    pattern: new RegExp(String.raw`^(?<model>${MODEL})\s+requires\s+(?:usage\s+credits|extra\s+usage)\b`),
    kind: (m) => ({ limitType: 'model', model: m.groups?.model ?? null }),
  },
  // API-key accounts: `API Error: Request rejected (429) · …`, `API Error: 429 {"type":"error",…"rate_limit_error"…}`
  { name: 'api-rate-limit-429', pattern: /^API\s+Error:?\s*(?:Request\s+rejected\s*)?\(?429\b/i, kind: (m) => apiKind(m.input) },
  { name: 'api-rate-limit-429', pattern: /^\{.{0,200}"rate_limit_error"/, kind: fixed('api_rate_limit') },
];

/** Lines that look like a limit but let work go on (extra usage, a fallback model, a retry, a grace period). */
const NOT_BLOCKING = /\btemporary\s+capacity\s+issue\b|\bcontinuing\s+(?:with|on)\b|\bnow\s+using\b|\bswitching\s+to\b|\bwrapping\s+up\b|\bwrap-up\b|\bthen\s+usage\s+credits\b|\bretrying\b|\bnot\s+your\s+usage\s+limit\b/i;

/** The text says that work goes on despite a limit (extra usage, a fallback model, a retry, a grace period). */
export function letsWorkGoOn(text: string): boolean {
  return NOT_BLOCKING.test(text);
}

/** Words every wording holds: most lines hold none, and are done with after this one test. */
const ANY_WORDING = /limit|usage|429|rate_limit_error|requires|budget/i;

/** The usage-limit wording `content` starts with, if any. */
export function matchLimitWording(content: string): WordingMatch | null {
  if (!ANY_WORDING.test(content) || NOT_BLOCKING.test(content)) return null;
  for (const wording of WORDINGS) {
    const match = wording.pattern.exec(content);
    if (!match) continue;
    const kind = wording.kind(match);
    // A qualifier that is no quota (`Concurrent subagent limit reached`): maybe another wording reads the line.
    if (kind === null) continue;
    return { wording: wording.name, ...modelScoped(kind, content) };
  }
  return null;
}

/**
 * A limit whose advice is to switch models (`You're out of usage credits. Run /usage-credits to keep using Fable 5
 * or /model to switch models.`) stops that model only: the plan's other models still answer.
 */
function modelScoped(kind: { limitType: LimitType | null; model: string | null }, content: string): { limitType: LimitType | null; model: string | null } {
  if (kind.limitType !== null && LIMIT_TYPES[kind.limitType].scope !== 'account') return kind;
  if (!/\/model to switch models|\bswitch models\b|\bswitch to another model\b/i.test(content)) return kind;
  const model = new RegExp(String.raw`\bkeep using (${MODEL})\b`).exec(content)?.[1] ?? kind.model;
  return { limitType: 'model', model };
}

/** Words that make `<word> limit` something else than a quota: fast mode, the context window, token caps… */
const NOT_A_QUOTA = /^(?:fast|context|token|output|input|rate|request|concurrent|subagent|budget|export|message|nesting|size|length|recursion)\b/i;

/**
 * The qualifier of `You've hit your <…> limit` / `<…> limit reached` to a kind. Only known qualifiers count:
 * `Concurrent subagent limit reached`, `Context limit reached`, `You've hit your fast limit` (fast mode pauses,
 * work goes on at normal speed) are not quotas.
 */
function kindOfQualifier(raw: string, possessive: boolean): { limitType: LimitType | null; model: string | null } | null {
  const what = raw.replace(/\s+/g, ' ').replace(/\b(?:limit|budget)$/i, '').trim();
  const lower = what.toLowerCase();
  if (NOT_A_QUOTA.test(lower)) return null;
  if (lower === '' || lower === 'usage' || lower === 'daily' || lower === 'plan' || lower === 'plan usage') return { limitType: null, model: null };
  if (/^(?:5-hour|five-hour|5 hour|session)(?: usage)?$/.test(lower)) return { limitType: 'five_hour', model: null };
  if (/^(?:weekly|7-day|seven-day)(?: usage)?$/.test(lower)) return { limitType: 'seven_day', model: null };
  if (/^(?:monthly|monthly spend|monthly spending|monthly usage|individual spend|individual usage|spend)$/.test(lower)) return { limitType: 'monthly_spend', model: null };
  if (/^(?:(?:org|organi[sz]ation|team|channel|group)(?:['’]s)? (?:monthly (?:spend|spending|usage)|pooled group)|(?:org|organi[sz]ation)(?:['’]s)? (?:spend|usage))$/.test(lower)) {
    return { limitType: 'org_monthly_spend', model: null };
  }
  if (/^(?:usage credit|extra usage|credit)$/.test(lower)) return { limitType: 'overage', model: null };
  // A model's name, capitalised as Claude Code prints it (`Opus`, `Opus weekly`, `weekly Opus`, `Fable 5`).
  const model = new RegExp(String.raw`^(?:weekly\s+)?(${MODEL})(?:\s+weekly)?$`).exec(what);
  if (model && (possessive || /^(?:opus|sonnet|haiku|fable)\b/i.test(what) || /\bweekly\b/i.test(what))) {
    const name = model[1] as string;
    const family = name.split(/\s/)[0]?.toLowerCase();
    const limitType = family === 'opus' ? 'seven_day_opus' : family === 'sonnet' ? 'seven_day_sonnet' : 'model';
    return { limitType, model: name };
  }
  return null;
}

/** An API-key 429: the request rate, unless the message says the key's organisation reached its spend limit. */
function apiKind(text: string): { limitType: LimitType; model: null } {
  return { limitType: /\bspend(?:ing)?\s+limit\b|\bcredit\s+balance\b/i.test(text) ? 'org_monthly_spend' : 'api_rate_limit', model: null };
}

/** The blocking menu that may follow a limit; its option is Claude Code's own text, so it is evidence too. */
export const LIMIT_MENU_OPTION = /^Stop and wait for (?:the\s+)?limit to reset\b/i;
export const MENU_QUESTION = /^What do you want to do\?$/i;

/** Server-side errors: a limit wording next to one of these is not a quota (the server-error veto). */
export const SERVER_ERROR_MARKERS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  // `API Error: 500 {…}`, `API Error (529 {…}) · Retrying in 5 seconds… (attempt 2/10)`, `API Error: Repeated 529 …`
  { name: 'api-error-5xx', pattern: /^API\s+Error:?\s*(?:Repeated\s+)?\(?5\d\d\b/i },
  // `500 Internal server error · retrying`, `529 Overloaded`
  { name: 'http-5xx', pattern: /^5\d\d\b[\s·:-]*(?:internal\s+server\s+error|overloaded|service\s+unavailable|bad\s+gateway|gateway\s+time-?out)/i },
  { name: 'overloaded_error', pattern: /\boverloaded_error\b/ },
  { name: 'api_error', pattern: /\bapi_error\b/ },
  { name: 'internal-server-error', pattern: /^(?:API\s+Error:?\s*)?internal\s+server\s+error\b/i },
  { name: 'overloaded', pattern: /^(?:API\s+Error:?\s*)?(?:Repeated\s+\d+\s+)?overloaded\b/i },
  // The server throttles everyone for a while: `API Error: Server is temporarily limiting requests (not your usage limit)`
  { name: 'server-throttling', pattern: /^(?:API\s+Error:?\s*)?Server\s+is\s+temporarily\s+limiting\s+requests\b|\btemporary\s+capacity\s+issue\b/i },
  // `Opus is experiencing high load, please use /model to switch to Sonnet` (recorded as a rate limit, yet an overload)
  { name: 'high-load', pattern: /^(?:API\s+Error:?\s*)?\w+(?:\s+\d+(?:\.\d+)?)?\s+is\s+experiencing\s+high\s+load\b/i },
];

/** Markers that name a JSON error type and may sit anywhere in a line; the others must start it. */
const TOKEN_MARKERS: ReadonlySet<string> = new Set(['overloaded_error', 'api_error']);

/** The server-error marker a line's content carries, if any; `anywhere` allows the JSON-type tokens mid-line. */
export function serverErrorIn(content: string, anywhere: boolean): string | null {
  return SERVER_ERROR_MARKERS.find((m) => (anywhere || !TOKEN_MARKERS.has(m.name) || content.startsWith('API Error')) && m.pattern.test(content))?.name ?? null;
}
