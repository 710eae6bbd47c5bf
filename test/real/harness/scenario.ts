import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { DEFAULT_MESSAGE_SUFFIX } from '../../../src/base/core/config.js';
import { cli, OTHER } from '../../support/accounts.js';
import { addTask, queueFiles, waitFor } from '../../support/sessions.js';
import type { RealFleet } from './fleet.js';

/** Steps the real-client scenarios share: tasks in, the product's commands, what a pane shows. */

/**
 * A task body that a careless launcher breaks: quotes of both kinds, `$` forms a shell would expand, backticks,
 * tabs (leading and inner), non-ASCII (accents, CJK, symbols, typographic quotes), trailing semicolons.
 */
export const TRICKY_BODY = [
  `Print "double" and 'single' quotes; then $HOME, \${PATH} and $(whoami) literally, and \`uname -a\` too;`,
  `\tan indented line\twith an inner tab`,
  'non-ASCII: é ü ß 日本語 ✓ — “curly” «guillemets»',
  'last line; with a trailing semicolon;',
].join('\n');

/**
 * What Claude Code must send for a task: `[<file>] <body>`, a blank line, the configured suffix. Every release
 * tested turns a tab in pasted text into four spaces before sending it; that is Claude Code's own doing.
 */
export function expectedMessage(taskName: string, body: string): string {
  return `[${taskName}] ${body.trim()}\n\n${DEFAULT_MESSAGE_SUFFIX}`.replace(/\t/g, '    ');
}

/** Runs a command of the built CLI with `--json` and returns its document; fails the test with its stderr otherwise. */
export async function cliJson<T = Record<string, unknown>>(fleet: RealFleet, args: string[], exitCode = 0): Promise<T> {
  const run = await cli(fleet, [...args, '--json']);
  expect(run.exitCode, `${args.join(' ')}: ${run.stderr}\n${run.stdout}`).toBe(exitCode);
  return JSON.parse(run.stdout) as T;
}

/** A task in, dispatched into the (only) pool session. */
export async function dispatchNew(fleet: RealFleet, name: string, body: string): Promise<void> {
  await addTask(fleet.project, name, `${body}\n`);
  const result = await cliJson<{ launched: Array<{ task: string }>; failed: unknown[] }>(fleet, ['dispatch']);
  expect(result, JSON.stringify(result)).toMatchObject({ launched: [expect.objectContaining({ task: name })], failed: [] });
}

/** The turns of task `name` that reached the stand-in (its message starts with `[name]`). */
export const turnsOf = (fleet: RealFleet, name: string, account?: string) =>
  fleet.standIn.turns(account).filter((t) => t.userText?.startsWith(`[${name}]`));

/** Runs reconcile as its timer would, until the task is filed in done/ (bounded). */
export async function reconcileUntilDone(fleet: RealFleet, name: string, timeoutMs = 90_000): Promise<string> {
  await waitFor(`${name} filed in done/`, async () => {
    const run = await cli(fleet, ['reconcile']);
    if (run.exitCode !== 0 && run.exitCode !== 75) throw new Error(`reconcile failed: ${run.stderr}`);
    return (await queueFiles(fleet.project)).done.includes(name);
  }, timeoutMs, 1000);
  return readFile(join(fleet.project, '.agent-queue', 'done', name), 'utf8');
}

/** `ccl-0`, outside the configuration: the same shell, its output still there. */
export async function expectOtherUntouched(fleet: RealFleet): Promise<void> {
  expect(await fleet.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}')).toBe(fleet.otherPid);
  expect(await fleet.tmux.capture(OTHER)).toContain('not-ours');
}

/**
 * waitFor, and on a timeout an error that shows what the release showed: the panes of `sessions` and every request the
 * stand-in got.
 */
export async function waitShowing<T>(fleet: RealFleet, what: string, probe: () => Promise<T | undefined | null | false>, sessions: readonly string[], timeoutMs = 60_000): Promise<T> {
  try {
    return await waitFor(what, probe, timeoutMs, 250);
  } catch (error) {
    throw new Error(`${String(error)}\n${await diagnostics(fleet, sessions)}`);
  }
}

/** Panes and stand-in requests, for a failure message. */
export async function diagnostics(fleet: RealFleet, sessions: readonly string[]): Promise<string> {
  const panes = await Promise.all(sessions.map((s) => paneOf(fleet, s)));
  const requests = fleet.standIn.requests.map((r) => `${new Date(r.at).toISOString()} ${r.method} ${r.path} ${r.account ?? '-'} ${r.status}${r.turn ? ' turn' : ''} ${r.sessionId ?? ''} ${JSON.stringify(r.userText?.slice(0, 60) ?? null)}`);
  return `${panes.join('\n')}\n--- stand-in requests ---\n${requests.join('\n')}`;
}

/** The pane as text for an assertion message: what the release showed when a step went wrong. */
export async function paneOf(fleet: RealFleet, session: string): Promise<string> {
  const text = await fleet.tmux.capture(session).catch((error: unknown) => `(no capture: ${String(error)})`);
  return `--- pane of ${session} (Claude Code ${fleet.release.version}) ---\n${text.split('\n').filter((l) => l.trim() !== '').join('\n')}\n---`;
}
