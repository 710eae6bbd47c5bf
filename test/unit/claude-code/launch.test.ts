import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { launchCommandLine, sanitizeMessage, shellQuote, type LaunchSpec } from '../../../src/claude-code/core/launch.js';

/** What a real POSIX shell makes of a quoted word: the proof that quoting holds, not a string comparison. */
const throughShell = (word: string) => execFileSync('sh', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' });

describe('shellQuote', () => {
  it.each([
    ['/home/op/src/demo'],
    ["it's"],
    ['a b  c'],
    ['$HOME `id` $(id) "x" \\ ; & | > <'],
    ["''"],
    [''],
    ['ünïcødé 日本語'],
    ['-n'],
  ])('keeps %j one literal word', (value) => {
    expect(throughShell(shellQuote(value))).toBe(value);
  });
});

describe('launchCommandLine', () => {
  const NEW_ID = '6f1c2d3e-4a5b-4c6d-8e7f-a1b2c3d4e5f6';
  const spec: LaunchSpec = { project: "/srv/it's here", home: '/home/op/.claude-main', claudeCommand: 'claude', model: 'sonnet', conversation: { kind: 'new', id: NEW_ID } };

  it('cd into the quoted project, then Claude Code with the active home, the model and the id chosen for the new conversation', () => {
    expect(launchCommandLine(spec)).toBe(
      `cd '/srv/it'\\''s here' && CLAUDE_CONFIG_DIR='/home/op/.claude-main' claude --model 'sonnet' --dangerously-skip-permissions --session-id ${NEW_ID}`,
    );
  });

  it('--resume for a conversation to continue, and never --session-id with it', () => {
    const line = launchCommandLine({ ...spec, conversation: { kind: 'resume', id: 'FD694BC5-3CCA-4BCC-93D1-D2FB004AE3EA' } });
    expect(line).toMatch(/ --dangerously-skip-permissions --resume fd694bc5-3cca-4bcc-93d1-d2fb004ae3ea$/);
    expect(line).not.toContain('--session-id');
  });

  it.each(['', 'not-a-uuid', `${NEW_ID}; rm -rf ~`, `${NEW_ID} --print`])('refuses %j as a conversation id', (id) => {
    expect(() => launchCommandLine({ ...spec, conversation: { kind: 'new', id } })).toThrow(/not a session UUID/);
    expect(() => launchCommandLine({ ...spec, conversation: { kind: 'resume', id } })).toThrow(/not a session UUID/);
  });

  it('runs as intended in a real shell (cd fails → Claude Code is not started)', () => {
    const line = launchCommandLine({ ...spec, project: '/nonexistent/dir', claudeCommand: 'echo STARTED' });
    const output = execFileSync('sh', ['-c', `${line}; echo rc=$?`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(output).not.toContain('STARTED');
    expect(output).toMatch(/rc=[1-9]/);
  });
});

describe('sanitizeMessage', () => {
  it('removes control characters but keeps newline, tab and non-ASCII', () => {
    const text = 'a\u001b[201~b\u0000c\u0007d\r\ne\tf ü 日本 \u009b';
    expect(sanitizeMessage(text)).toBe('a[201~bcd\ne\tf ü 日本 ');
  });

  it('leaves quotes, $, backticks and a trailing ; intact', () => {
    const text = `say "hi" and 'bye' with $HOME and \`id\`;`;
    expect(sanitizeMessage(text)).toBe(text);
  });
});
