import { basename } from 'node:path';
import { shellQuote } from '../../claude-code/core/launch.js';
import type { ToolHookEvent } from '../../claude-code/core/settings-hooks.js';

/**
 * The command lines of the tool's Claude Code hooks, and how one is recognised in an operator's settings.json.
 * Claude Code runs a hook command through a shell, from the session's folder, with a PATH that may not be the
 * operator's: every part is absolute (node, the bin, the config) and single-quoted. Pure.
 */

export interface HookCommandInputs {
  /** Absolute path of the node binary. */
  node: string;
  /** node's flags, as the bin's shebang and the systemd units pass them. */
  nodeFlags: readonly string[];
  /** Absolute path of bin/claude-failover.js. */
  bin: string;
  /** Absolute path of the config file. */
  configPath: string;
}

const SUBCOMMAND = { Stop: 'stop', StopFailure: 'stop-failure' } as const satisfies Record<ToolHookEvent, string>;

/** `'<node>' <flags> '<bin>' hook stop --config '<config>'` (or `hook stop-failure`). */
export function hookCommandLine(inputs: HookCommandInputs, event: ToolHookEvent): string {
  return [shellQuote(inputs.node), ...inputs.nodeFlags, shellQuote(inputs.bin), 'hook', SUBCOMMAND[event], '--config', shellQuote(inputs.configPath)].join(' ');
}

export function hookCommandLines(inputs: HookCommandInputs): Record<ToolHookEvent, string> {
  return { Stop: hookCommandLine(inputs, 'Stop'), StopFailure: hookCommandLine(inputs, 'StopFailure') };
}

/**
 * The words of a command line made only of plain words, single-quoted and simple double-quoted parts; null for
 * anything a shell would do more with (`;`, `|`, `&&`, redirections, `$`, backquotes, globs...). A hook
 * that does more than run the tool is the operator's, whatever it mentions.
 */
export function plainWords(line: string): string[] | null {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === ' ' || c === '\t') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end === -1) return null;
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (end === -1) return null;
      const inner = line.slice(i + 1, end);
      if (/[$`\\!]/.test(inner)) return null;
      word = (word ?? '') + inner;
      i = end;
    } else if (c === '\\' && i + 1 < line.length && line.charAt(i + 1) !== '\n') {
      // `'\''` is how a single quote is written inside single-quoted words (shellQuote does so).
      word = (word ?? '') + line.charAt(i + 1);
      i++;
    } else if (/[A-Za-z0-9_./:=,@%+~-]/.test(c)) {
      word = (word ?? '') + c;
    } else {
      return null;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

const NODE = /^node(js)?[0-9.]*$/;
const BIN = /^claude-failover(\.[cm]?js)?$/;
const EVENT_OF = { stop: 'Stop', 'stop-failure': 'StopFailure' } as const satisfies Record<string, ToolHookEvent>;

/**
 * The tool event a hook command line runs, or null when it is not exactly a run of the tool's hook: optionally a
 * node binary with its flags, then a program named claude-failover(.js), `hook stop` or `hook stop-failure`, and
 * only the options the tool itself writes (`--config <path>`, `-v`). Any older install of ours matches, whatever
 * its paths; an operator's wrapper script, pipeline or other command does not.
 */
export function toolHookEvent(line: string): ToolHookEvent | null {
  const words = plainWords(line.trim());
  if (words === null || words.length === 0) return null;
  let i = 0;
  if (NODE.test(basename(words[0] as string))) {
    i = 1;
    while (i < words.length && (words[i] as string).startsWith('-')) i++;
  }
  if (!BIN.test(basename(words[i] ?? ''))) return null;
  if (words[i + 1] !== 'hook') return null;
  const sub = words[i + 2] ?? '';
  if (sub !== 'stop' && sub !== 'stop-failure') return null;
  for (let j = i + 3; j < words.length; j++) {
    const word = words[j] as string;
    if (word === '--config') {
      if (j + 1 >= words.length) return null;
      j++;
    } else if (!word.startsWith('--config=') && word !== '-v' && word !== '--verbose') {
      return null;
    }
  }
  return EVENT_OF[sub];
}
