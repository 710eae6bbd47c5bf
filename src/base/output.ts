import type { Redactor } from './redact.js';

/** Everything a command prints on stdout goes through here: either one JSON document or human text. */
export interface Output {
  /** Human text (a trailing newline is added when missing). */
  text(text: string): void;
  /** The single JSON document of `--json` mode. */
  json(document: unknown): void;
}

/**
 * `pretty`: indent JSON for a person at a terminal. Scripts and systemd get one line: the same document, without the
 * whitespace that made up a third of a 10,000-task scan report (and of its cost).
 */
export function createOutput(write: (chunk: string | Uint8Array) => void, redactor: Redactor, pretty = false): Output {
  return {
    text(text) {
      if (text === '') return;
      write(redactor.apply(text.endsWith('\n') ? text : text + '\n'));
    },
    json(document) {
      const text = redactor.apply(JSON.stringify(document, null, pretty ? 2 : undefined)) + '\n';
      // Written as bytes, which stdout needs anyway: a byte search then finds the rare document with DEL or a C1
      // control to escape, where a regular expression would scan every one (3 MB for a 10,000-task scan).
      const bytes = Buffer.from(text);
      write(hasC1(bytes) ? Buffer.from(escapeC1(text)) : bytes);
    },
  };
}

/**
 * JSON.stringify escapes C0 controls (ESC becomes \u001b) but leaves DEL and the C1 range raw, and a terminal showing
 * the document may act on U+009B as a CSI. Task titles and platform messages can hold them: escape them too (still
 * the same JSON value).
 */
function hasC1(utf8: Buffer): boolean {
  if (utf8.includes(0x7f)) return true;
  // U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8.
  for (let i = utf8.indexOf(0xc2); i !== -1; i = utf8.indexOf(0xc2, i + 1)) {
    if ((utf8[i + 1] ?? 0) <= 0x9f) return true;
  }
  return false;
}

function escapeC1(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
