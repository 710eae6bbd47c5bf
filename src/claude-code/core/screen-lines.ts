/**
 * The line shapes of a Claude Code pane, and the role each line plays in the conversation, read from the shapes
 * alone so that one reading serves every release: with or without the `⎿` / `●` / `⚠` glyphs, inside a box, after
 * a turn-done line or above status lines. Pure.
 *
 * Claude Code draws a conversation as blocks. A block starts with a glyph — `❯` a message sent, `●` the assistant
 * (prose or a tool call), `⎿` a result, `⚠` a notice, `✻` the spinner or the turn-done line — and continues with
 * unmarked, indented lines. An unmarked line belongs to the block above it; what that block is decides whether the
 * line is Claude Code's own notice (it may carry a usage limit) or somebody else's words (prose, tool output, a
 * message sent), which never count.
 */

import { unreachable } from '../../base/core/errors.js';

export type LineShape =
  | 'prompt' // `❯ text`: a message the user (or the dispatcher) sent
  | 'input-box' // `❯` between the rules at the bottom: what is being typed, not sent
  | 'menu-option' // `❯ 1. …`: a selection cursor in a blocking menu
  | 'assistant' // `● …`: assistant text or Claude Code's own status message
  | 'tool-call' // `● Bash(…)`, `● Read 3 files (ctrl+o to expand)`: a tool the assistant runs
  | 'result' // `⎿ …`: tool output or Claude Code's answer to a turn
  | 'spinner' // `✻ Recombobulating…`: a turn in progress
  | 'turn-done' // `✻ Crunched for 0s`, `✻ Cogitated for 20s · done 7:21 PM`: a turn ended (after a limit too)
  | 'warning' // `⚠ …` in the footer
  | 'rule' // `────` at the left edge: the input box's borders
  | 'box-edge' // `╭───╮` / `╰───╯`: the top or bottom of a box
  | 'header' // `Claude Code v2.1.328`: the banner at the top of a session
  | 'footer' // `⏵⏵ bypass permissions on …`
  | 'text'; // anything else: continuation lines, status text

/**
 * What a line is in the conversation:
 * - `notice`: Claude Code's own words (a result that answers a turn, a warning, status text, a line of its own box);
 * - `assistant`: a `●` line that is not a tool call: prose, or Claude Code's status drawn with the same glyph;
 * - `prose`, `tool-output`, `sent`: the assistant's continued words, a tool's output, a message sent — never evidence;
 * - `chrome`: rules, box edges, the header and footer; `input`: the input box; `menu`: a blocking menu;
 * - `activity`: a tool call or the spinner, which show the session working.
 */
export type LineRole = 'notice' | 'assistant' | 'prose' | 'tool-output' | 'sent' | 'chrome' | 'input' | 'menu' | 'activity' | 'turn-done';

export interface ScreenLine {
  shape: LineShape;
  role: LineRole;
  /** Index of the line that starts this line's block (itself for a glyph line; -1 when it starts above the tail). */
  block: number;
  /** The line after its glyph (and outside any box border), trimmed. */
  content: string;
  /** The whole normalised line, trimmed (for snippets). */
  text: string;
}

// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Colour escapes out, non-breaking spaces (Claude Code pads glyphs with U+00A0) to spaces, trailing blanks off. */
export function normaliseLine(line: string): string {
  return line.replace(ESCAPES, '').replace(/[\u00a0\u202f]/g, ' ').replace(/\r/g, '').trimEnd();
}

export interface PaneTail {
  lines: string[];
  /** The tail holds every non-empty line of the capture: nothing of the conversation above it is hidden. */
  whole: boolean;
}

/** The last `count` non-empty lines of a captured pane, normalised. */
export function tailLines(pane: string, count = 20): string[] {
  return paneTail(pane, count).lines;
}

export function paneTail(pane: string, count = 20): PaneTail {
  // From the bottom up: a capture with a long scrollback costs the tail, not the whole text.
  const raw = pane.split('\n');
  const lines: string[] = [];
  let i = raw.length - 1;
  for (; i >= 0 && lines.length < count; i--) {
    const line = normaliseLine(raw[i] as string);
    if (line.trim() !== '') lines.push(line);
  }
  for (; i >= 0; i--) if (normaliseLine(raw[i] as string).trim() !== '') return { lines: lines.reverse(), whole: false };
  return { lines: lines.reverse(), whole: true };
}

const TURN_DONE = /^[✻✶✳✢✽*]\s+\S+(?:\s\S+)?\s+for\s+\d/;
const SPINNER_WORD = /^[·*✻✶✳✢✽]\s+\S+…/;
// `● Bash(cat log)`, `● Web Search("q")`, `● mcp__github__search (MCP)(q: 1)`, `● Read 3 files (ctrl+o to expand)`.
const TOOL_CALL = /^(?:[A-Z][\w-]*(?: [A-Z][\w-]*)?|mcp__[\w-]+)(?: \(MCP\))?\(|\(ctrl\+o to expand\)$/;
const BOX_EDGE = /^[╭╰┌└][─━═┄╌ \w.·()-]*[╮╯┐┘]$/;
const BOXED = /^[│┃]\s?(.*?)\s?[│┃]$/;

/** Shapes every line of a tail (non-empty, normalised lines, oldest first) and gives each its role. */
export function shapeLines(lines: string[], tailIsWhole = false): ScreenLine[] {
  const shaped: ScreenLine[] = [];
  // The block an unmarked line continues: its role and where it started (-1: none visible).
  let blockRole: LineRole = tailIsWhole ? 'notice' : 'prose';
  let block = -1;
  let afterToolCall = false;
  for (const raw of lines) {
    const indent = raw.length - raw.trimStart().length;
    const trimmed = raw.trim();
    const boxed = BOXED.exec(trimmed);
    const inner = boxed ? (boxed[1] as string).trim() : trimmed;
    const shape = shapeOf(inner, indent, boxed !== null, shaped[shaped.length - 1]);
    const index = shaped.length;
    let role: LineRole;
    if (shape === 'text' || shape === 'box-edge') {
      // Unmarked lines, and the boxes drawn with them, continue the block above; the assistant's words are indented
      // under its `●`, so an unmarked line at the left edge after them is Claude Code's own again.
      const inherited = blockRole === 'prose' && indent === 0 && block >= 0 ? 'notice' : blockRole;
      role = shape === 'box-edge' && inherited === 'notice' ? 'chrome' : inherited;
    } else {
      role = roleOf(shape, afterToolCall);
      blockRole = role === 'sent' || role === 'chrome' || role === 'turn-done' || (role === 'activity' && shape === 'spinner') ? 'notice' : role === 'assistant' ? 'prose' : role === 'activity' ? 'tool-output' : role;
      block = index;
      afterToolCall = shape === 'tool-call';
    }
    shaped.push({ shape, role, block, content: contentOf(shape, inner), text: trimmed });
  }
  return shaped;
}

/**
 * The role of a line that starts a block. A message sent is followed by Claude Code's answer to it (the lines
 * under it, before any reply, are notices); a tool call's first `⎿` is its output, a further `⎿` a message of its
 * own (an API error after a tool result).
 */
function roleOf(shape: Exclude<LineShape, 'text' | 'box-edge'>, afterToolCall: boolean): LineRole {
  switch (shape) {
    case 'prompt':
      return 'sent';
    case 'input-box':
      return 'input';
    case 'menu-option':
      return 'menu';
    case 'tool-call':
    case 'spinner':
      return 'activity';
    case 'assistant':
      return 'assistant';
    case 'result':
      return afterToolCall ? 'tool-output' : 'notice';
    case 'turn-done':
      return 'turn-done';
    case 'warning':
      return 'notice';
    case 'rule':
    case 'header':
    case 'footer':
      return 'chrome';
    default:
      return unreachable(shape, 'line shape');
  }
}

function shapeOf(text: string, indent: number, boxed: boolean, previous: ScreenLine | undefined): LineShape {
  // Claude Code's own rules start at the left edge; a rule inside tool output or prose is indented.
  if (/^─{10,}$/.test(text)) return indent === 0 && !boxed ? 'rule' : 'text';
  if (BOX_EDGE.test(text)) return indent <= 2 ? 'box-edge' : 'text';
  if (text.startsWith('❯')) {
    const content = text.slice(1).trim();
    if (/^\d+\.\s/.test(content)) return 'menu-option';
    // The input box is the `❯` line right under a rule; a sent message sits in the scrollback without one.
    return previous?.shape === 'rule' ? 'input-box' : 'prompt';
  }
  if (text.startsWith('●')) return TOOL_CALL.test(text.slice(1).trim()) ? 'tool-call' : 'assistant';
  if (text.startsWith('⎿')) return 'result';
  if (text.startsWith('⚠')) return 'warning';
  if (text.startsWith('⏵⏵')) return 'footer';
  if (TURN_DONE.test(text)) return 'turn-done';
  if (SPINNER_WORD.test(text)) return 'spinner';
  if (/\bClaude Code v\d/.test(text)) return 'header';
  return 'text';
}

function contentOf(shape: LineShape, text: string): string {
  switch (shape) {
    case 'prompt':
    case 'input-box':
    case 'assistant':
    case 'tool-call':
    case 'result':
    case 'warning':
    case 'spinner':
    case 'turn-done':
      return text.slice(1).trim();
    case 'menu-option':
      return text.slice(1).trim().replace(/^\d+\.\s+/, '');
    case 'footer':
      return text.slice(2).trim();
    case 'rule':
    case 'box-edge':
    case 'header':
    case 'text':
      return text;
    default:
      return unreachable(shape, 'line shape');
  }
}

/**
 * Activity that shows the session moved on after a limit line: a new message sent, an assistant reply or tool
 * call, a spinner, or a busy footer. A limit line followed by any of these is history, not the current state.
 * Claude Code's own notices, the turn-done line it draws after a limit, the input box and status lines are not.
 */
export function isProgress(line: ScreenLine, lineIsHit: boolean): boolean {
  if (lineIsHit) return false;
  if (/\besc to interrupt\b/i.test(line.text)) return true;
  return line.role === 'sent' || line.role === 'activity' || line.role === 'assistant';
}

/** The first 120 characters of a line, for forensic logs. */
export function snippetOf(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length > 120 ? chars.slice(0, 119).join('') + '…' : chars.join('');
}
