import { mkdir, readFile, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { shellQuote } from '../../src/claude-code/core/launch.js';
import { isAtPrompt, readPane } from '../../src/claude-code/core/screen.js';
import { normalizeState, type State } from '../../src/base/core/state.js';
import { systemClock } from '../../src/base/clock.js';
import { claudeFailover } from './cli.js';
import { makeTestContext, testConfigYaml } from './context.js';
import { FAKE_CLAUDE, addTask, makeRig, registryEntries, waitFor, type Rig, type RigOptions } from './sessions.js';

/**
 * Rig for the failover tests, on top of the sessions rig (private tmux socket, temp HOME, fake claude): both account
 * homes follow the shared-state contract, `~/.claude` points at main, one pool session (`ccl-auto-11`), one
 * dedicated session (`ccl-1-demo`) with a conversation under main, and `ccl-0`, a session outside the configuration.
 */
export const DEDICATED = 'ccl-1-demo';
export const POOL = 'ccl-auto-11';
export const OTHER = 'ccl-0';
export const ENTRIES = ['projects', 'file-history', 'session-env'];

export interface AccountsRig extends Rig {
  homes: { main: string; backup: string };
  activeLink: string;
  /** The conversation of the dedicated session (its transcript is in the shared projects/). */
  dedicatedId: string;
  /** The pane pid of `ccl-0`: it must be the same after every swap. */
  otherPid: string;
}

export const cli = (rig: Rig, args: string[], failpoint?: string) =>
  claudeFailover([...args, '--config', rig.configPath], { env: { ...rig.env, ...(failpoint ? { CLAUDE_FAILOVER_FAILPOINT: failpoint } : {}) }, timeoutMs: 45_000 });

async function linkHomes(rig: Rig): Promise<AccountsRig['homes']> {
  const homes = { main: join(rig.home, '.claude-main'), backup: join(rig.home, '.claude-backup') };
  for (const entry of ENTRIES) {
    await mkdir(join(rig.home, '.claude-shared', entry), { recursive: true });
    for (const home of Object.values(homes)) await symlink(join(rig.home, '.claude-shared', entry), join(home, entry));
  }
  await symlink(homes.main, join(rig.home, '.claude'));
  return homes;
}

/** Live fake Claude Code entries of one tmux session under one account home. */
export async function liveIn(rig: Rig, account: '.claude-main' | '.claude-backup', session: string): Promise<Array<Record<string, unknown>>> {
  return (await registryEntries(rig.home, account)).filter((e) => typeof e.tmux === 'string' && e.tmux.startsWith(`${session}:`));
}

/** The operator's interactive session: Claude Code under main, one finished turn (so a transcript exists). */
async function startDedicated(rig: Rig, home: string): Promise<string> {
  await rig.tmux.newSession(DEDICATED, { cwd: rig.project });
  await rig.tmux.sendLine(DEDICATED, `CLAUDE_CONFIG_DIR=${shellQuote(home)} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
  await waitFor('the dedicated prompt', async () => isAtPrompt(readPane(await rig.tmux.capture(DEDICATED))));
  await rig.tmux.sendText(DEDICATED, 'review the design');
  await rig.tmux.sendKeys(DEDICATED, 'Enter');
  const entry = await waitFor('the dedicated turn to end', async () => {
    const [live] = await liveIn(rig, '.claude-main', DEDICATED);
    return live?.status === 'idle' && (await rig.tmux.capture(DEDICATED)).includes('Cogitated') ? live : undefined;
  });
  return String(entry.sessionId);
}

/** The rig options of accountsRig: one pool session, a short cooldown so recovered sessions take work again soon. */
export const ACCOUNTS_RIG_OPTIONS: RigOptions = { pool: { min: 1, max: 1 }, dispatch: { session_cooldown: '1s' } };

export async function accountsRig(): Promise<AccountsRig> {
  return withAccounts(await makeRig(ACCOUNTS_RIG_OPTIONS));
}

export interface AccountsOptions {
  /**
   * Starts the operator's Claude Code in the dedicated session under `home`, lets it finish one turn, and returns its
   * conversation id. Default: the fake, as startDedicated does; the real-client suite starts a real release.
   */
  startDedicated?: (rig: Rig, home: string) => Promise<string>;
}

/** Puts the accounts layout of accountsRig on a rig made with ACCOUNTS_RIG_OPTIONS (registered or not). */
export async function withAccounts(rig: Rig, options: AccountsOptions = {}): Promise<AccountsRig> {
  // The dedicated session's project is the rig's own project folder, known only now: rewrite the config.
  rig.configOverrides.pool = { ...(rig.configOverrides.pool as Record<string, unknown>), dedicated: [{ session: DEDICATED, project: rig.project }] };
  await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
  rig.ctx = Object.assign(makeTestContext({ home: rig.home, config: rig.configOverrides, env: rig.env }), { clock: systemClock });
  const homes = await linkHomes(rig);

  await rig.tmux.newSession(OTHER, { cwd: rig.home });
  await rig.tmux.sendLine(OTHER, 'echo not-ours');
  const otherPid = await rig.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}');
  const dedicatedId = await (options.startDedicated ?? startDedicated)(rig, homes.main);
  const reconcile = await cli(rig, ['reconcile']);
  expect(reconcile.exitCode, reconcile.stderr).toBe(0);
  return Object.assign(rig, { homes, activeLink: join(rig.home, '.claude'), dedicatedId, otherPid });
}

/** Makes every later turn under `home` end in the 5-hour limit (the fake's control file); returns the reset. */
export async function exhaust(home: string, turnMs = 200): Promise<number> {
  const resetsAt = Math.floor(Date.now() / 1000) + 2 * 3600;
  await writeFile(join(home, 'fake-claude-control.json'), JSON.stringify({ limitNextTurn: true, resetsAt, turnMs }));
  return resetsAt;
}

/** Makes every later turn under `home` last ten minutes: a pool session stays busy with its task. */
export async function slowTurns(home: string): Promise<void> {
  await writeFile(join(home, 'fake-claude-control.json'), JSON.stringify({ turnMs: 600_000 }));
}

/** Dispatches one task into the pool session and returns the conversation id Claude Code runs it in. */
export async function dispatchTask(rig: AccountsRig, name = 'a.md'): Promise<string> {
  await addTask(rig.project, name, `do ${name}\n`);
  const run = await cli(rig, ['dispatch', '--json']);
  expect(run.exitCode, run.stderr).toBe(0);
  expect((JSON.parse(run.stdout) as { launched: unknown[] }).launched).toHaveLength(1);
  const [entry] = await waitFor('the pool conversation', async () => {
    const live = [...(await liveIn(rig, '.claude-main', POOL)), ...(await liveIn(rig, '.claude-backup', POOL))];
    return live.length > 0 ? live : undefined;
  });
  return String(entry?.sessionId);
}

export async function readState(rig: Rig): Promise<State> {
  const parsed = normalizeState(JSON.parse(await readFile(rig.ctx.state.path, 'utf8')));
  if (!parsed.ok) throw new Error(`state invalid: ${parsed.reason}`);
  return parsed.state;
}

export async function linkTarget(rig: AccountsRig): Promise<string> {
  return readlink(rig.activeLink);
}

export const resumeFile = (rig: Rig, session: string) => join(rig.home, '.claude-context', `${session}-resume-id.txt`);
