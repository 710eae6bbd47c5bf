import { hasControlCharacter } from '../../base/core/format.js';

/**
 * Task file names that cannot be handled as text. A name is printed in logs and tables, written in footers and
 * typed at the start of the message Claude Code receives (`[T.md] …`): a control character in it (newline, ESC…)
 * would forge log lines or drive the operator's terminal, and a name that is not UTF-8 cannot even be opened by
 * the string Node reads for it (its bytes come back as U+FFFD). Such a file, like one whose name is too long to
 * carry our markers, is quarantined under a printable name.
 */

const CONTROL_ALL = /[\u0000-\u001f\u007f-\u009f]/g;
const REPLACEMENT = '\uFFFD';

/**
 * The longest task name: the tool makes files named after the task beside it (`T.md.dispatched`, and for markers a
 * hidden temp file `.T.md.delegating.<pid>.<random>.tmp`, 33 bytes more than `T.md`), and a file system allows 255
 * bytes per name. A longer task could be listed but never claimed or delegated.
 */
export const MAX_NAME_BYTES = 200;

/**
 * True for a name, read with Node's default (lossy) UTF-8 decoding, that needs quarantine; `task` is the task name
 * it belongs to (the name itself, or without its marker suffix).
 */
export function isUnsafeName(name: string, task = name): boolean {
  return hasControlCharacter(name) || name.includes(REPLACEMENT) || Buffer.byteLength(task) > MAX_NAME_BYTES;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Why the raw name (its bytes, as the directory holds them) is refused; null when it is an ordinary name. */
export function unsafeNameReason(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return 'the task file name is not valid UTF-8';
  }
  if (hasControlCharacter(text)) return 'the task file name contains control characters (newline, ESC, …)';
  if (text.includes(REPLACEMENT)) return 'the task file name contains U+FFFD (a name that was not UTF-8)';
  if (bytes.length > MAX_NAME_BYTES) return `the task file name is too long (${bytes.length} bytes; at most ${MAX_NAME_BYTES}, so the files made beside it fit)`;
  return null;
}

/**
 * The name written to failed/: every control character and undecodable byte becomes `_`, a long name is cut to
 * MAX_NAME_BYTES, and it still ends in `.md`.
 */
export function printableName(name: string): string {
  let stem = name.replace(CONTROL_ALL, '_').split(REPLACEMENT).join('_').replace(/\.md$/, '');
  while (Buffer.byteLength(stem) > MAX_NAME_BYTES - 3) stem = stem.slice(0, -1);
  return `${stem}.md`;
}

/** The raw name for a footer or a log line: printable ASCII and valid UTF-8 as is, every other byte as `\xNN`. */
export function describeRawName(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      const text = Buffer.from(bytes.subarray(i, i + length)).toString('utf8');
      if (!hasControlCharacter(text) && text !== '\\') {
        out += text;
        i += length;
        continue;
      }
    }
    out += `\\x${(bytes[i] as number).toString(16).padStart(2, '0')}`;
    i++;
  }
  return out;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const first = bytes[i] as number;
  const length = first < 0x80 ? 1 : first >= 0xc2 && first < 0xe0 ? 2 : first >= 0xe0 && first < 0xf0 ? 3 : first >= 0xf0 && first < 0xf5 ? 4 : 0;
  if (length === 0 || i + length > bytes.length) return 0;
  try {
    UTF8.decode(bytes.subarray(i, i + length));
    return length;
  } catch {
    return 0;
  }
}
