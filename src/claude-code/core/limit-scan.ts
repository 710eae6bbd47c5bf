/**
 * The scan of a pane tail for a usage limit, whatever the release's drawing. Pure; one pass over at most
 * TAIL_LINES lines, each matched against anchored patterns, so the cost stays linear in the tail.
 *
 * - Only Claude Code's own lines count (screen-lines.ts gives each line its role): never a message sent, the
 *   assistant's prose, a tool's output or what is typed in the input box.
 * - The lowest limit line is the live one. A limit line followed by a later message sent, reply, tool call or
 *   spinner is history; Claude Code's turn-done line (`✻ Crunched for 0s`), its companion lines (`/upgrade …`,
 *   `/usage-credits …`, `/login to switch …`), the input box and status lines below it are not.
 * - A server-error marker among Claude Code's own lines vetoes (the limit wording may be a side effect of it).
 */

import { LIMIT_MENU_OPTION, MENU_QUESTION, letsWorkGoOn, matchLimitWording, serverErrorIn, type LimitType } from './limit-wordings.js';
import { parseResetDetail, type ResetDetail } from './reset-time.js';
import { isProgress, paneTail, shapeLines, type ScreenLine } from './screen-lines.js';

/** How many non-empty pane lines are read: the current screen's tail, not the whole scrollback. */
export const TAIL_LINES = 20;

export interface LimitLine {
  index: number;
  line: ScreenLine;
  /** The wording's name (`hit-your-limit`, `limit-menu`, …). */
  wording: string;
  limitType: LimitType | null;
  model: string | null;
  /** The line with the unmarked lines that continue it (`⚠ You've hit your weekly limit` / `· resets Oct 12, 2am`). */
  text: string;
}

export interface PaneScan {
  /** The limit lines that describe the current state (after the last sign of activity), oldest first. */
  current: LimitLine[];
  /** The newest limit line when newer activity follows it (history, not the current state). */
  stale: LimitLine | null;
  veto: string | null;
  /** Claude Code's blocking limit menu is open (it needs Escape before anything is typed). */
  menu: boolean;
}

/** Roles whose lines are Claude Code's own and may carry a limit or a server error. */
const OWN_ROLES = new Set<ScreenLine['role']>(['notice', 'assistant', 'menu']);
/** How many unmarked lines below a limit line may carry the rest of it (its reset, a wrapped wording). */
const CONTINUATION_LINES = 2;

export function scanPane(pane: string): PaneScan {
  const tail = paneTail(pane, TAIL_LINES);
  const lines = shapeLines(tail.lines, tail.whole);
  const hits: Array<LimitLine | null> = [];
  for (let i = 0; i < lines.length; i++) hits.push(hitAt(lines, i, hits));
  const menu = lines.some((line) => MENU_QUESTION.test(line.content)) || hits.some((hit) => hit?.wording === 'limit-menu');
  const veto = lines.map((line, i) => (isOwn(lines, i, hits) ? serverErrorIn(line.content, line.role === 'notice') : null)).find((m) => m !== null) ?? null;

  const lastHit = hits.findLastIndex((hit) => hit !== null);
  if (lastHit < 0) return { current: [], stale: null, veto, menu };
  if (lines.slice(lastHit + 1).some((line, offset) => isProgress(line, hits[lastHit + 1 + offset] !== null))) {
    return { current: [], stale: hits[lastHit] as LimitLine, veto, menu };
  }
  const lastActivity = lines.findLastIndex((line, i) => i < lastHit && isProgress(line, hits[i] !== null));
  const current = hits.filter((hit, i): hit is LimitLine => hit !== null && i > lastActivity);
  return { current, stale: null, veto, menu };
}

/**
 * A line is Claude Code's own when its role says so, or when it continues a block whose first line is a limit
 * line (the companions of `● Usage limit reached · continuing automatically at …`).
 */
function isOwn(lines: ScreenLine[], i: number, hits: ReadonlyArray<LimitLine | null>): boolean {
  const line = lines[i] as ScreenLine;
  if (OWN_ROLES.has(line.role)) return true;
  return line.role === 'prose' && line.block >= 0 && line.block < i && hits[line.block] != null;
}

function hitAt(lines: ScreenLine[], i: number, hits: ReadonlyArray<LimitLine | null>): LimitLine | null {
  const line = lines[i] as ScreenLine;
  if (!isOwn(lines, i, hits)) return null;
  const option = line.role === 'menu' ? /^(?:\d+\.\s+)?(.*)$/.exec(line.content)?.[1] ?? '' : null;
  if (option !== null && LIMIT_MENU_OPTION.test(option)) {
    return { index: i, line, wording: 'limit-menu', limitType: null, model: null, text: line.content };
  }
  if (line.role === 'menu') return null;
  const following = continuationOf(lines, i);
  const text = [line.content, ...following].join(' ');
  // The rest of the line may say that work goes on (`⚠ 5-hour limit reached` / `· continuing with extra usage`).
  if (following.length > 0 && letsWorkGoOn(text)) return null;
  // Read with its continuation first: a wrapped wording, and what the rest says of the kind (`· spend limit …`).
  const match = matchLimitWording(text) ?? matchLimitWording(line.content);
  if (!match) return null;
  return { index: i, line, ...match, text };
}

/** The unmarked lines below line `i` that may carry the rest of it, up to CONTINUATION_LINES. */
function continuationOf(lines: ScreenLine[], i: number): string[] {
  const out: string[] = [];
  for (let j = i + 1; j <= i + CONTINUATION_LINES && j < lines.length; j++) {
    const next = lines[j] as ScreenLine;
    if (next.shape !== 'text' || matchLimitWording(next.content) !== null) break;
    out.push(next.content);
  }
  return out;
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

/** The live limit of a scan, with its reset read at `now`. */
export interface LiveLimit {
  /** The line that names the live limit: the lowest, or the line above it that says which kind of the same limit. */
  primary: LimitLine;
  limitType: LimitType | null;
  model: string | null;
  reset: ResetDetail | null;
}

/**
 * The live limit among the current lines: the lowest one. Several lines often describe that one limit (2.1.328
 * draws a `⎿` line with the zone, a `●` status line and a `⚠` footer without it; a menu may follow): when the
 * lowest line names no kind (`Usage limit reached · limit resets 10:21pm`, the menu), the lowest line above it that
 * does and prints the same time (or the lowest does not print one) is the same limit, better named. A time printed
 * without a zone is read in the zone another current line printed for the same wall time (the footer's `10:21pm`
 * is the `⎿` line's `10:21pm (UTC)`).
 */
export function liveLimit(current: readonly LimitLine[], now: Date, defaultZone: string | undefined): LiveLimit | null {
  if (current.length === 0) return null;
  const details = current.map((hit) => parseResetDetail(hit.text, now, defaultZone));
  let index = current.length - 1;
  // The menu that follows a limit names nothing: the limit line above it does.
  while (index > 0 && (current[index] as LimitLine).wording === 'limit-menu') index--;
  if ((current[index] as LimitLine).limitType === null) {
    const own = details[index];
    const key = own ? wallKey(own) : null;
    const named = current.findLastIndex((hit, i) => {
      const detail = details[i];
      return i < index && hit.limitType !== null && (key === null || (detail != null && wallKey(detail) === key));
    });
    if (named >= 0) index = named;
  }
  const primary = current[index] as LimitLine;
  let reset = details[index] ?? null;
  if (reset !== null && !reset.explicitZone && reset.zone !== null) {
    const key = wallKey(reset);
    reset = details.find((detail) => detail != null && detail.explicitZone && wallKey(detail) === key) ?? reset;
  }
  return { primary, limitType: primary.limitType, model: primary.model, reset };
}

/** The wall-clock words of a reset without its lead and zone (`10:21pm`), to tell two lines print the same time. */
function wallKey(detail: ResetDetail): string {
  return detail.matched.replace(/\([^)]*\)/g, '').replace(/^[^\d]*?(?=\d)/, '').trim().toLowerCase();
}
