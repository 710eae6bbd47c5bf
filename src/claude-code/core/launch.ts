import { hasControlCharacter } from '../../base/core/format.js';
import { unreachable } from '../../base/core/errors.js';
import { isUuid } from '../../base/core/uuid.js';

/**
 * The text typed into a pool session's shell to start Claude Code, and the message pasted into it.
 * Everything interpolated into the command line is single-quoted, so a path with spaces, quotes or `$` stays one
 * literal word; the message never goes through a shell at all (it is pasted via a tmux buffer).
 */

/** POSIX single-quoting: `it's` → `'it'\''s'`. Safe for any string, including empty and non-ASCII. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface LaunchSpec {
  project: string;
  home: string;
  claudeCommand: string;
  model: string;
  conversation: ConversationStart;
}

/**
 * The conversation a launch runs in, always one whose id the tool knows before Claude Code starts: an existing one
 * (`--resume <id>`) or a new one under an id the tool chose and recorded (`--session-id <id>`, which every release
 * tested takes). Knowing it means knowing the transcript path and the resume id without reading anything back.
 */
export type ConversationStart = { kind: 'resume'; id: string } | { kind: 'new'; id: string };

/**
 * `cd '<project>' && CLAUDE_CONFIG_DIR='<home>' <claude_command> --model '<m>' --dangerously-skip-permissions
 * --resume <uuid>` (or `--session-id <uuid>` for a new conversation). `claude_command` is the operator's own config (it may be a path or carry arguments), so it
 * is typed as written; the model is quoted because it is config too, but as a value, not code. `&&` keeps Claude
 * Code from starting in the wrong folder when the project is gone.
 */
export function launchCommandLine(spec: LaunchSpec): string {
  const parts = [
    `cd ${shellQuote(spec.project)} &&`,
    `CLAUDE_CONFIG_DIR=${shellQuote(spec.home)}`,
    spec.claudeCommand,
    '--model',
    shellQuote(spec.model),
    '--dangerously-skip-permissions',
  ];
  if (!isUuid(spec.conversation.id)) throw new Error(`not a session UUID: ${JSON.stringify(spec.conversation.id)}`);
  parts.push(conversationFlag(spec.conversation), spec.conversation.id.toLowerCase());
  return typeable(parts.join(' '));
}

function conversationFlag(conversation: ConversationStart): string {
  switch (conversation.kind) {
    case 'resume':
      return '--resume';
    case 'new':
      return '--session-id';
    default:
      return unreachable(conversation, 'conversation start');
  }
}


/**
 * A command line is typed into a shell key by key (`send-keys -l`): quoting makes `;`, `$()` and quotes literal, but
 * a control character is still a keystroke (Ctrl-U erases what was typed, Ctrl-C abandons it...), so a path holding
 * one could run the rest of itself as a command. The config refuses such paths; this refuses whatever else got here
 * (a folder Claude Code reported, for instance).
 */
export function typeable(commandLine: string): string {
  if (hasControlCharacter(commandLine)) {
    throw new Error(`refusing to type a command line with a control character into a shell: ${JSON.stringify(commandLine)}`);
  }
  return commandLine;
}

/**
 * Removes control characters except newline and tab: an ESC or a bracketed-paste end sequence inside a task must
 * not be able to end the paste early and type keys into Claude Code. CR/LF pairs become LF.
 */
export function sanitizeMessage(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}
