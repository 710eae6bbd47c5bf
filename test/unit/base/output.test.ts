import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../src/base/output.js';
import { Redactor } from '../../../src/base/redact.js';

function capture(pretty: boolean) {
  const written: string[] = [];
  const decode = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
  const redactor = new Redactor();
  redactor.add('stk_live_secret_value');
  return { out: createOutput((chunk) => void written.push(decode(chunk)), redactor, pretty), written };
}

describe('--json output', () => {
  const document = { title: 'fix\u009b31m it\u007f', esc: '\u001b]52;c;x\u0007', key: 'stk_live_secret_value' };

  it.each([false, true])('carries no raw control character, and parses back to the same value (pretty: %s)', (pretty) => {
    const { out, written } = capture(pretty);
    out.json(document);
    const [text] = written;
    // Newlines are the indentation's own; nothing else below U+0020 or in DEL..U+009F.
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(JSON.parse(text as string)).toEqual({ ...document, key: '[redacted]' });
  });

  it('is one line in a pipe and indented on a terminal', () => {
    const piped = capture(false);
    const terminal = capture(true);
    piped.out.json({ a: 1, b: [2] });
    terminal.out.json({ a: 1, b: [2] });
    expect(piped.written).toEqual(['{"a":1,"b":[2]}\n']);
    expect(terminal.written[0]?.split('\n').length).toBeGreaterThan(3);
  });
});
