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
export function createOutput(write: (text: string) => void, redactor: Redactor, pretty = false): Output {
  return {
    text(text) {
      if (text === '') return;
      write(redactor.apply(text.endsWith('\n') ? text : text + '\n'));
    },
    json(document) {
      write(redactor.apply(JSON.stringify(document, null, pretty ? 2 : undefined) + '\n'));
    },
  };
}
