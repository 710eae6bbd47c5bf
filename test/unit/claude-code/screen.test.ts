import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claudeRunning, isAtPrompt, isShellCommand, paneDigest, readPane } from '../../../src/claude-code/core/screen.js';

const screen = (name: string) => readFileSync(new URL(`../../fixtures/claude-code/${name}`, import.meta.url), 'utf8');
const RULE = '─'.repeat(120);

describe('readPane over the real Claude Code screens', () => {
  it('idle prompt: input box present and empty, not busy', () => {
    const reading = readPane(screen('idle-prompt.txt'));
    expect(reading).toMatchObject({ claudeUi: true, input: '', busy: false, menu: false, limitBanner: false, resumeHint: null });
    expect(isAtPrompt(reading)).toBe(true);
  });

  it('busy turn: the ❯ line is still visible, but `esc to interrupt` makes it busy', () => {
    const reading = readPane(screen('busy-working.txt'));
    expect(reading.claudeUi).toBe(true);
    expect(reading.busy).toBe(true);
    expect(isAtPrompt(reading)).toBe(false);
  });

  it('the echoed user message above the box (❯ Summarise the README) is not taken as the input', () => {
    const reading = readPane(screen('turn-done.txt'));
    expect(reading.input).toBe('');
    expect(isAtPrompt(reading)).toBe(true);
  });

  it('usage limit: the banner under the box is seen, the screen is at the prompt', () => {
    const reading = readPane(screen('usage-limit-5h.txt'));
    expect(reading.limitBanner).toBe(true);
    expect(reading.busy).toBe(false);
  });

  it('quota words inside the conversation do not make a limit banner', () => {
    const text = ['❯ grep "usage limit reached" in the logs', '', '● Found: You have hit your limit · resets 3pm', '', RULE, '❯ ', RULE, '  ⏵⏵ bypass permissions on'].join('\n');
    expect(readPane(text).limitBanner).toBe(false);
  });

  it('after /exit: no Claude Code UI, the resume hint is read and validated', () => {
    const reading = readPane(screen('after-exit-resume-hint.txt'));
    expect(reading.claudeUi).toBe(false);
    expect(reading.resumeHint).toBe('fd694bc5-3cca-4bcc-93d1-d2fb004ae3ea');
  });

  it('Claude Code runs only with its input box on screen and no shell in the foreground', () => {
    const busy = readPane(screen('busy-working.txt'));
    expect(claudeRunning(busy, isShellCommand('claude'))).toBe(true);
    // A crashed Claude Code leaves its screen behind: the shell in the foreground says it is gone.
    expect(claudeRunning(busy, isShellCommand('bash'))).toBe(false);
    expect(claudeRunning(readPane(screen('after-exit-resume-hint.txt')), isShellCommand('node'))).toBe(false);
    // No reading (the capture failed): only the shell proves it is gone.
    expect(claudeRunning(undefined, false)).toBe(true);
    expect(claudeRunning(undefined, true)).toBe(false);
  });

  it('a resume hint that is not a UUID is ignored', () => {
    expect(readPane('claude --resume 12345678-zzzz-4bcc-93d1-d2fb004ae3ea\n$ ').resumeHint).toBeNull();
  });

  it("a menu's `❯ 1.` is a selection cursor, not the input prompt", () => {
    const text = ['What do you want to do?', '', RULE, '❯ 1. Stop and wait for limit to reset', '  2. Switch to extra usage', RULE, 'Enter to confirm · Esc to cancel'].join('\n');
    const reading = readPane(text);
    expect(reading.menu).toBe(true);
    expect(reading.claudeUi).toBe(false);
    expect(isAtPrompt(reading)).toBe(false);
  });

  it('a pasted placeholder in the box is input, so the pane is not at an empty prompt', () => {
    const text = ['', RULE, '❯ [Pasted text #1 +4 lines]', RULE, '  ⏵⏵ bypass permissions on (shift+tab to cycle)'].join('\n');
    const reading = readPane(text);
    expect(reading.input).toBe('[Pasted text #1 +4 lines]');
    expect(isAtPrompt(reading)).toBe(false);
  });

  it('recognises the refusals that end a launch early', () => {
    expect(readPane('No conversation found with session ID: fd694bc5-3cca-4bcc-93d1-d2fb004ae3ea\n$ ').noConversation).toBe(true);
    expect(readPane('--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons\n').permissionsRefused).toBe(true);
  });
});

describe('paneDigest', () => {
  const busy = (glyph: string, seconds: number, extra: string[] = []) =>
    ['❯ do it', ...extra, '', `${glyph} Recombobulating… (${seconds}s · ↑ ${seconds * 10} tokens)`, '', RULE, '❯ ', RULE, '  ⏵⏵ bypass permissions on · esc to interrupt'].join('\n');

  it('ignores the spinner, its timer and the footer', () => {
    expect(paneDigest(busy('✻', 3))).toBe(paneDigest(busy('✢', 97)));
  });

  it('changes when the conversation shows new output', () => {
    expect(paneDigest(busy('✻', 3))).not.toBe(paneDigest(busy('✻', 3, ['● Reading README.md'])));
  });
});

describe('isShellCommand', () => {
  it('knows the shells tmux reports as the foreground command', () => {
    for (const shell of ['bash', '-bash', 'zsh', 'sh', 'fish']) expect(isShellCommand(shell), shell).toBe(true);
    for (const other of ['claude', 'node', 'sleep', '', null, undefined]) expect(isShellCommand(other), String(other)).toBe(false);
  });
});
