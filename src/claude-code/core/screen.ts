/**
 * Pure reading of a Claude Code pane (`tmux capture-pane -p -J` text, no colour escapes), built on the real screens
 * in reference/claude-code/. Claude Code draws its input box as a `❯` line between two `───` rules at the bottom of
 * the screen; a busy turn adds `esc to interrupt` to the footer (the `❯` line stays visible while busy, so the
 * prompt alone never means "idle"); a menu draws `❯ 1. …`, which is a selection cursor, not the input prompt.
 */

import { createHash } from 'node:crypto';
import { paneShowsUsageLimit } from './limit-scan.js';
import { isUuid } from '../../base/core/uuid.js';

export interface PaneReading {
  /** The input box (`❯` between two rules) is on screen: Claude Code's UI is running in the pane. */
  claudeUi: boolean;
  /** What is typed in the input box ('' when empty); null without an input box. */
  input: string | null;
  /** A turn is in progress (`esc to interrupt` in the footer or the spinner line). */
  busy: boolean;
  /** A numbered menu (`❯ 1. …`) waits for a choice; its `❯` is not the prompt. */
  menu: boolean;
  /**
   * The pane shows a usage limit, by check-quota's own classification (paneShowsUsageLimit): Claude
   * Code's limit lines only, never quota words in the conversation, "Concurrent subagent limit reached" or "continuing
   * with extra usage", and not when a server error in the same tail vetoes it.
   */
  limitBanner: boolean;
  /** The newest `--resume <uuid>` hint printed at the shell after `/exit`, validated. */
  resumeHint: string | null;
  /** `claude --resume <uuid>` found no transcript for that id and returned to the shell. */
  noConversation: boolean;
  /** `--dangerously-skip-permissions` was refused (running as root without IS_SANDBOX=1). */
  permissionsRefused: boolean;
}

const RULE = /^─{10,}\s*$/;
const PROMPT = /^❯(?:\s(.*))?$/;
const MENU_ITEM = /^\s*❯\s*\d+\.\s/;
const BUSY = /esc to interrupt/i;
const RESUME_HINT = /--resume\s+([0-9a-fA-F-]{36})\b/g;

export function splitLines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n');
}

interface InputBox {
  /** Index of the upper rule. */
  top: number;
  /** Index of the lower rule. */
  bottom: number;
  input: string;
}

/** The last `❯` line sitting directly between two rule lines, i.e. Claude Code's input box. */
function findInputBox(lines: string[]): InputBox | null {
  for (let i = lines.length - 2; i >= 1; i--) {
    const line = (lines[i] as string).trimEnd();
    if (!RULE.test(lines[i - 1] as string)) continue;
    const match = PROMPT.exec(line);
    if (!match || MENU_ITEM.test(line)) continue;
    // The input may wrap over several lines: the lower rule is the next rule below.
    for (let j = i + 1; j < lines.length && j <= i + 40; j++) {
      if (RULE.test(lines[j] as string)) {
        const rest = lines.slice(i + 1, j).map((l) => l.trim());
        const input = [(match[1] ?? '').trim(), ...rest].filter((part) => part !== '').join('\n');
        return { top: i - 1, bottom: j, input };
      }
    }
  }
  return null;
}

export function readPane(text: string): PaneReading {
  const lines = splitLines(text);
  const box = findInputBox(lines);
  const footer = box ? lines.slice(box.bottom + 1) : [];
  // The spinner line sits just above the input box (a few lines at most, past blank padding).
  const aboveBox = box ? nonEmpty(lines.slice(Math.max(0, box.top - 4), box.top)) : [];
  const menu = lines.slice(-30).some((line) => MENU_ITEM.test(line));
  const hints = [...text.matchAll(RESUME_HINT)].map((m) => m[1] as string).filter(isUuid);
  return {
    claudeUi: box !== null,
    input: box ? box.input : null,
    busy: box !== null && [...footer, ...aboveBox].some((line) => BUSY.test(line)),
    menu,
    limitBanner: paneShowsUsageLimit(text),
    resumeHint: hints.length > 0 ? (hints[hints.length - 1] as string).toLowerCase() : null,
    noConversation: /No conversation found with session ID/.test(text),
    permissionsRefused: /--dangerously-skip-permissions cannot be used with root/.test(text),
  };
}

/**
 * Claude Code is running in the pane: its input box is on screen and the pane's foreground process is not a shell.
 * A Claude Code that crashed leaves its last screen behind, so the screen alone never proves it runs; without a
 * reading (the capture failed), only the shell in the foreground proves it is gone.
 */
export function claudeRunning(reading: Pick<PaneReading, 'claudeUi'> | undefined, atShell: boolean): boolean {
  return !atShell && (reading === undefined || reading.claudeUi);
}

/** Claude Code waits for input: its input box is on screen, empty, not busy, and no menu is open. */
export function isAtPrompt(reading: PaneReading): boolean {
  return reading.claudeUi && reading.input === '' && !reading.busy && !reading.menu;
}

function nonEmpty(lines: string[]): string[] {
  return lines.filter((line) => line.trim() !== '');
}

// Spinner glyphs Claude Code cycles through, followed by a gerund ("✻ Recombobulating…").
const SPINNER_LINE = /^\s*[✻✶✳✢✽·*]\s+\S+…/;

/**
 * A fingerprint of the conversation part of the pane, for stall detection: the spinner line, the footer and all
 * digits (elapsed-time and token counters) are left out, so a turn that only ticks its timer counts as unchanged
 * while any new output counts as progress.
 */
export function paneDigest(text: string): string {
  const lines = splitLines(text);
  const box = findInputBox(lines);
  const body = (box ? lines.slice(0, box.top) : lines)
    .filter((line) => !SPINNER_LINE.test(line))
    .map((line) => line.replace(/\d+/g, '#').trimEnd())
    .filter((line) => line !== '');
  return createHash('sha256').update(body.join('\n')).digest('hex').slice(0, 16);
}

const SHELLS = new Set(['bash', 'zsh', 'sh', 'dash', 'fish', 'ksh', 'mksh', 'tcsh', 'csh', 'ash', 'busybox']);

/**
 * The pane's foreground process (tmux `#{pane_current_command}`) is a shell: nothing runs in it. A Claude Code
 * that crashed leaves its last screen behind, so this, not the screen, tells whether it still runs.
 */
export function isShellCommand(command: string | null | undefined): boolean {
  return typeof command === 'string' && SHELLS.has(command.replace(/^-/, '').trim());
}
