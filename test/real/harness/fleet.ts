import { mkdtemp, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAtPrompt, readPane } from '../../../src/claude-code/core/screen.js';
import { shellQuote } from '../../../src/claude-code/core/launch.js';
import { ACCOUNTS_RIG_OPTIONS, ENTRIES, withAccounts, DEDICATED, type AccountsRig } from '../../support/accounts.js';
import { CLAUDE_FAILOVER_BIN } from '../../support/cli.js';
import { createRig, removeSocketFile, stopRig, type Rig } from '../../support/sessions.js';
import { waitFor } from '../../support/wait.js';
import { AnthropicStandIn } from './anthropic-stand-in.js';
import { claudeCodeEnv, seedAccountHome, type SeededAccount } from './homes.js';
import { claudeCodeUnder, processesWithHome, type ProcessInfo } from './processes.js';
import type { Release } from './releases.js';

/**
 * A fleet on a real Claude Code release: the failover rig of test/support/accounts.ts (private tmux server, temp
 * HOME, main + backup homes sharing their state through links, `~/.claude` → main, the pool session `ccl-auto-11`,
 * the operator's dedicated session `ccl-1-demo` with one finished turn, and `ccl-0` outside the configuration), plus a
 * third account `spare`, every home seeded so the release starts without a prompt and with the product's Stop hook,
 * and the stand-in for the Anthropic API that every pane talks to. The product under test is the built CLI.
 */
export const ACCOUNTS = ['main', 'backup', 'spare'] as const;
export type AccountName = (typeof ACCOUNTS)[number];

export interface RealFleet extends AccountsRig {
  release: Release;
  standIn: AnthropicStandIn;
  accounts: Record<AccountName, SeededAccount>;
}

/** Variables of the test runner that would make Claude Code use another login or another server. */
const FOREIGN_ENV = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN', 'CLAUDE_CONFIG_DIR', 'TMUX', 'TMUX_PANE'];

/** How long a real Claude Code may take to show its prompt on a busy 2-core machine. */
export const START_TIMEOUT_MS = 60_000;

export async function startFleet(release: Release): Promise<RealFleet> {
  // The tmux server inherits the runner's environment under the rig's own: nothing of the operator's logins.
  for (const name of FOREIGN_ENV) delete process.env[name];
  const home = await mkdtemp(join(tmpdir(), 'cf-real-'));
  const standIn = new AnthropicStandIn();
  await standIn.start();
  let rig: Rig | undefined;
  try {
    const env = claudeCodeEnv(home, standIn.url);
    rig = await createRig(home, {
      ...ACCOUNTS_RIG_OPTIONS,
      dispatch: { ...ACCOUNTS_RIG_OPTIONS.dispatch, prompt_timeout: '40s' },
      claudeCommand: release.binary,
      env,
      config: { accounts: ACCOUNTS.map((name) => ({ name, home: join(home, `.claude-${name}`) })) },
    });
    const accounts = {} as Record<AccountName, SeededAccount>;
    for (const name of ACCOUNTS) {
      const seeded = await seedAccountHome(join(home, `.claude-${name}`), name, [rig.project, home]);
      await writeSettings(seeded.home, rig.configPath);
      standIn.addAccount(name, seeded.token);
      accounts[name] = seeded;
    }
    // main and backup get their links from the accounts rig; the spare home follows the same contract.
    for (const entry of ENTRIES) {
      await mkdir(join(home, '.claude-shared', entry), { recursive: true });
      await symlink(join(home, '.claude-shared', entry), join(accounts.spare.home, entry));
    }
    const fleet = await withAccounts(rig, { startDedicated: (r, accountHome) => startOperatorSession(r, release, standIn, accountHome) });
    return Object.assign(fleet, { release, standIn, accounts });
  } catch (error) {
    if (rig) await stopRig(rig).catch(() => undefined);
    await standIn.stop();
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

/**
 * What an operator's `settings.json` holds: the bypass-permissions warning accepted (older releases ask despite
 * `.claude.json`) and the product's Stop hook, as the README tells operators to add it.
 */
async function writeSettings(home: string, configPath: string): Promise<void> {
  const command = `${shellQuote(process.execPath)} ${shellQuote(CLAUDE_FAILOVER_BIN)} hook stop --config ${shellQuote(configPath)}`;
  const settings = {
    skipDangerousModePermissionPrompt: true,
    hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command }] }] },
  };
  await writeFile(join(home, 'settings.json'), JSON.stringify(settings, null, 2));
}

/**
 * The operator's own Claude Code in the dedicated session, started as an operator does (no id chosen for it), with
 * one finished turn; its conversation id is the one the stand-in saw the turn come with.
 */
async function startOperatorSession(rig: Rig, release: Release, standIn: AnthropicStandIn, home: string): Promise<string> {
  await rig.tmux.newSession(DEDICATED, { cwd: rig.project });
  await rig.tmux.sendLine(DEDICATED, `CLAUDE_CONFIG_DIR=${shellQuote(home)} ${shellQuote(release.binary)} --dangerously-skip-permissions`);
  await waitForPrompt(rig, DEDICATED);
  await rig.tmux.sendText(DEDICATED, 'review the design');
  await rig.tmux.sendKeys(DEDICATED, 'Enter');
  const turn = await waitFor('the dedicated turn at the stand-in', async () => standIn.turns().find((t) => t.userText === 'review the design' && t.status === 200), START_TIMEOUT_MS)
    .catch(async (error: unknown) => {
      const pane = await rig.tmux.capture(DEDICATED).catch(() => '(no capture)');
      throw new Error(`${String(error)}\nrequests: ${JSON.stringify(standIn.requests.map((r) => ({ ...r, userText: r.userText?.slice(0, 80) })))}\npane:\n${pane}`);
    });
  await waitForPrompt(rig, DEDICATED);
  if (turn.sessionId === null) throw new Error(`Claude Code ${release.version} sent no session id with its request`);
  return turn.sessionId;
}

export async function waitForPrompt(rig: Rig, session: string, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  await waitFor(`the Claude Code prompt in ${session}`, async () => isAtPrompt(readPane(await rig.tmux.capture(session))), timeoutMs, 200);
}

/** The release's Claude Code process in a session's pane, once it runs (bounded). */
export async function claudeCodeIn(fleet: RealFleet, session: string, what: (p: ProcessInfo) => boolean = () => true, timeoutMs = START_TIMEOUT_MS): Promise<ProcessInfo> {
  return waitFor(`Claude Code ${fleet.release.version} running in ${session}`, async () => {
    const panePid = Number(await fleet.tmux.displayMessage(`=${session}:`, '#{pane_pid}').catch(() => 'NaN'));
    if (!Number.isInteger(panePid)) return undefined;
    const found = await claudeCodeUnder(panePid, fleet.release.binary);
    return found && what(found) ? found : undefined;
  }, timeoutMs, 250);
}

/**
 * Stops everything the fleet started and proves it: no process with the fleet's HOME, no tmux socket file, no temp
 * folder. Throws with what was left.
 */
export async function stopFleet(fleet: RealFleet): Promise<void> {
  await stopRig(fleet);
  await fleet.standIn.stop();
  // Hooks and helpers Claude Code started may outlive their parent by a moment.
  const left = await waitFor('every process of the fleet to exit', async () => ((await processesWithHome(fleet.home)).length === 0 ? [] : undefined), 15_000, 200)
    .catch(async () => processesWithHome(fleet.home));
  // Reported below, but not left running for the next test.
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  await removeSocketFile(fleet.socket);
  await rm(fleet.home, { recursive: true, force: true });
  const problems: string[] = left.map((p) => `process ${p.pid} still runs: ${p.argv.join(' ')}`);
  if (await stat(fleet.home).catch(() => null)) problems.push(`${fleet.home} is still there`);
  const socketFile = join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, fleet.socket);
  if (await stat(socketFile).catch(() => null)) problems.push(`the tmux socket ${socketFile} is still there`);
  if (problems.length > 0) throw new Error(`the fleet of Claude Code ${fleet.release.version} left things behind:\n${problems.join('\n')}`);
}
