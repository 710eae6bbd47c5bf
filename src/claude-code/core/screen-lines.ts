/**
 * The line shapes of a Claude Code pane that quota detection relies on (reference/claude-code/*.txt), and the
 * wordings matched on them. Pure.
 *
 * Matching is anchored on Claude Code's own UI lines rather than on substrings, so that quota words inside the
 * conversation (a prompt that greps for "rate limit", assistant prose, a quoted log) never count:
 * - a wording must START the content of a `⎿` result line, a `●` status line, a `⚠` footer line, or a bare status
 *   line that is not part of a conversation block;
 * - and it must be followed by Claude Code's separator (`·`, `∙`, `|`, `. Your limit…`) or end the line, which plain
 *   prose ("Usage limit reached errors happen when…") does not do.
 */

export type LineShape =
  | 'prompt' // `❯ text`: a message the user (or the dispatcher) sent
  | 'input-box' // `❯` between the rules at the bottom: what is being typed, not sent
  | 'menu-option' // `❯ 1. …`: a selection cursor in a blocking menu
  | 'assistant' // `● …`: assistant text or Claude Code's own status message
  | 'result' // `⎿ …`: tool output or Claude Code's answer to a turn
  | 'spinner' // `✻ Recombobulating…`, `✻ Cogitated for 20s · done`
  | 'warning' // `⚠ …` in the footer
  | 'rule' // `────`
  | 'footer' // `⏵⏵ bypass permissions on …`
  | 'text'; // anything else: continuation lines, status text

export interface ScreenLine {
  shape: LineShape;
  /** The line after its glyph, trimmed. */
  content: string;
  /** The whole normalised line, trimmed (for snippets). */
  text: string;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Colour escapes out, non-breaking spaces (Claude Code pads glyphs with U+00A0) to spaces, trailing blanks off. */
export function normaliseLine(line: string): string {
  return line.replace(ESCAPES, '').replace(/\u00a0/g, ' ').replace(/\r/g, '').trimEnd();
}

/** The last `count` non-empty lines of a captured pane, normalised. */
export function tailLines(pane: string, count = 20): string[] {
  return pane.split('\n').map(normaliseLine).filter((line) => line.trim() !== '').slice(-count);
}

const SPINNER_GLYPHS = /^[✻✶✳✢✽]\s/;
const SPINNER_WORD = /^[·*]\s+\S+…/;

/** Shapes every line of a tail (non-empty, normalised lines, oldest first). */
export function shapeLines(lines: string[]): ScreenLine[] {
  const shaped: ScreenLine[] = [];
  for (const raw of lines) {
    const text = raw.trim();
    const previous = shaped[shaped.length - 1];
    shaped.push(shapeOf(text, previous));
  }
  return shaped;
}

function shapeOf(text: string, previous: ScreenLine | undefined): ScreenLine {
  const after = (glyph: string) => text.slice(glyph.length).trim();
  if (/^─{10,}$/.test(text)) return { shape: 'rule', content: '', text };
  if (text.startsWith('❯')) {
    const content = after('❯');
    if (/^\d+\.\s/.test(content)) return { shape: 'menu-option', content: content.replace(/^\d+\.\s+/, ''), text };
    // The input box is the `❯` line right under a rule; a sent message sits in the scrollback without one.
    return { shape: previous?.shape === 'rule' ? 'input-box' : 'prompt', content, text };
  }
  if (text.startsWith('●')) return { shape: 'assistant', content: after('●'), text };
  if (text.startsWith('⎿')) return { shape: 'result', content: after('⎿'), text };
  if (text.startsWith('⚠')) return { shape: 'warning', content: after('⚠'), text };
  if (text.startsWith('⏵⏵')) return { shape: 'footer', content: after('⏵⏵'), text };
  if (SPINNER_GLYPHS.test(text) || SPINNER_WORD.test(text)) return { shape: 'spinner', content: text.slice(1).trim(), text };
  return { shape: 'text', content: text, text };
}

// What may follow a wording on Claude Code's own line: a separator, the reset sentence, or nothing.
const GUARD = String.raw`(?=\s*(?:$|[·∙•|]|\.\s*(?:$|Your\b)))`;

/** Usage-limit wordings (reference README, "Usage-limit wordings reported publicly"), each anchored at the start. */
export const LIMIT_WORDINGS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  // `Usage limit reached · …`, `Claude AI usage limit reached|1749924000`, `Claude usage limit reached. Your limit…`
  { name: 'usage-limit-reached', pattern: new RegExp(String.raw`^(?:Claude(?:\s+AI)?\s+)?usage\s+limit\s+reached\b${GUARD}`, 'i') },
  // `5-hour limit reached ∙ resets 3am`, `Limit reached · resets in 2h 30m`, `Weekly limit reached · …`.
  // Only known qualifiers: "Concurrent subagent limit reached" is not a quota.
  {
    name: 'limit-reached',
    pattern: new RegExp(String.raw`^(?:(?:\d+-hour|five-hour|weekly|session|daily|monthly|opus|sonnet)\s+){0,2}limit\s+reached\b${GUARD}`, 'i'),
  },
  // `You've hit your 5-hour limit · resets 10:21pm (UTC)`, `You've hit your limit · …`, `… weekly limit · …`
  { name: 'hit-your-limit', pattern: new RegExp(String.raw`^You['’]ve\s+hit\s+your\s+(?:[\w-]+\s+){0,2}limit\b${GUARD}`, 'i') },
  { name: 'out-of-extra-usage', pattern: new RegExp(String.raw`^You['’]re\s+out\s+of\s+extra\s+usage\b${GUARD}`, 'i') },
  // API-key accounts: `API Error: Request rejected (429) · …`, `API Error: 429 {"type":"error",…"rate_limit_error"…}`
  { name: 'api-rate-limit-429', pattern: /^API\s+Error:?\s*(?:Request\s+rejected\s*)?\(?429\b/i },
];

/** The blocking menu that may follow a limit; its option is Claude Code's own text, so it is evidence too. */
export const LIMIT_MENU_OPTION = /^Stop and wait for (?:the\s+)?limit to reset\b/i;
export const MENU_QUESTION = /^What do you want to do\?$/i;

/** Lines that look like a limit but let work go on (extra usage, a fallback model): never a hit. */
const NOT_BLOCKING = /continuing\s+with\s+extra\s+usage|\bnow\s+using\b|\bswitching\s+to\b/i;

/** Shapes whose content may carry a limit wording. */
const HIT_SHAPES: ReadonlySet<LineShape> = new Set(['result', 'assistant', 'warning', 'text']);

/**
 * Structural lines after which a bare `text` line is Claude Code's own status text rather than the continuation of
 * a message: the rules and footer of the input box, a warning, or another limit line.
 */
const STATUS_CONTEXT: ReadonlySet<LineShape> = new Set(['rule', 'input-box', 'warning', 'footer']);

/** The wording a line carries, if it is one of Claude Code's own limit lines in this context. */
export function limitWordingAt(lines: ScreenLine[], index: number, isHit: (i: number) => boolean): string | null {
  const line = lines[index] as ScreenLine;
  // The menu's options: `❯ 1. Stop and wait…` under the cursor, `2. Stop and wait…` without it.
  const option = line.shape === 'menu-option' ? line.content : line.shape === 'text' ? /^\d+\.\s+(.*)$/.exec(line.content)?.[1] : undefined;
  if (option !== undefined && LIMIT_MENU_OPTION.test(option)) return 'limit-menu';
  if (!HIT_SHAPES.has(line.shape) || NOT_BLOCKING.test(line.content)) return null;
  const wording = LIMIT_WORDINGS.find((w) => w.pattern.test(line.content))?.name ?? null;
  if (wording === null || line.shape !== 'text') return wording;
  // A bare line counts only when what precedes it is UI chrome, never when it continues a message.
  for (let i = index - 1; i >= 0; i--) {
    const above = lines[i] as ScreenLine;
    if (above.shape === 'text') continue;
    return STATUS_CONTEXT.has(above.shape) || isHit(i) ? wording : null;
  }
  return null; // The tail starts inside some block we cannot see: assume conversation.
}

/** Server-side errors: a limit wording next to one of these is not a quota (the server-error veto). */
export const SERVER_ERROR_MARKERS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  // `API Error: 500 {…}`, `API Error (529 {…}) · Retrying in 5 seconds… (attempt 2/10)`
  { name: 'api-error-5xx', pattern: /^API\s+Error:?\s*\(?5\d\d\b/i },
  // `500 Internal server error · retrying`, `529 Overloaded`
  { name: 'http-5xx', pattern: /^5\d\d\b[\s·:-]*(?:internal\s+server\s+error|overloaded|service\s+unavailable|bad\s+gateway|gateway\s+time-?out)/i },
  { name: 'overloaded_error', pattern: /\boverloaded_error\b/ },
  { name: 'api_error', pattern: /\bapi_error\b/ },
  { name: 'internal-server-error', pattern: /^(?:API\s+Error:?\s*)?internal\s+server\s+error\b/i },
  { name: 'overloaded', pattern: /^(?:API\s+Error:?\s*)?overloaded\b/i },
];

/** The server-error marker on a line, if any. A message someone sent (`❯ …`) is their words, never a marker. */
export function serverErrorAt(line: ScreenLine): string | null {
  if (line.shape === 'prompt' || line.shape === 'input-box' || line.shape === 'menu-option') return null;
  return SERVER_ERROR_MARKERS.find((m) => m.pattern.test(line.content))?.name ?? null;
}

/**
 * Activity that shows the session moved on after a limit line: a new message sent, an assistant reply, a spinner,
 * or a busy footer. A limit line followed by any of these is history, not the current state.
 */
export function isProgress(line: ScreenLine, lineIsHit: boolean): boolean {
  if (lineIsHit) return false;
  if (/esc to interrupt/i.test(line.text)) return true;
  return line.shape === 'prompt' || line.shape === 'assistant' || line.shape === 'spinner';
}

/** The first 120 characters of a line, for forensic logs. */
export function snippetOf(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > 120 ? chars.slice(0, 119).join('') + '…' : chars.join('');
}
