import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
// Static: the CLI runs as one bundle in a vm script, where a dynamic import() of a built-in has no loader.
import { createInterface } from 'node:readline/promises';
import { observeSharedState } from '../accounts/symlinks.js';
import { planSymlinks } from '../accounts/core/symlinks.js';
import { configPath, parseConfigText } from '../base/config-file.js';
import type { Config } from '../base/core/config.js';
import { ExitCode, FailoverError, errnoCode, errorMessage, unreachable } from '../base/core/errors.js';
import { plainStyle, type Style } from '../base/core/format.js';
import { writeFileExclusive } from '../base/fs-atomic.js';
import type { BaseContext } from '../context.js';
import { createTmux } from '../sessions/tmux.js';
import { renderInitConfig } from './core/init-config.js';
import { planInit, type InitPlan } from './core/init-plan.js';
import { discoverMachine } from './init-discovery.js';

export interface InitOptions {
  /** `--config`: where to write instead of $CLAUDE_FAILOVER_CONFIG / the XDG path. */
  config?: string | undefined;
  yes: boolean;
  dryRun: boolean;
  /** `--tmux-socket`: look at (and configure) `tmux -L <name>` instead of the default server. */
  tmuxSocket?: string | undefined;
  /** Asks the operator a yes/no question; null without a terminal (or with --json), where init never asks. */
  ask: ((question: string) => Promise<boolean>) | null;
}

export type InitOutcome = 'written' | 'declined' | 'dry-run' | 'needs-yes';

export interface NextStep {
  command: string;
  /** What it would do on this machine. */
  would: string[];
}

export interface InitResult {
  configPath: string;
  outcome: InitOutcome;
  written: boolean;
  /** The config was shown on the terminal before the question (the rendering then does not repeat it). */
  asked: boolean;
  accounts: InitPlan['accounts'];
  activeLink: InitPlan['activeLink'];
  sharedRoot: string;
  pool: InitPlan['pool'];
  dedicated: InitPlan['dedicated'];
  projects: string[];
  otherSessions: InitPlan['otherSessions'];
  /** The tmux server looked at, and how many sessions it had (null when it could not be asked). */
  tmux: { server: string; sessions: number | null };
  /** The config text, exactly as written (or as it would be). */
  config: string;
  next: NextStep[];
  warnings: string[];
}

const configExists = (path: string) =>
  new FailoverError(ExitCode.usage, 'config-exists', `a config already exists at ${path}; init never overwrites one`, {
    hint: 'check it with `claude-failover doctor`, or move it away to start again',
  });

/**
 * `init [--yes] [--dry-run] [--tmux-socket NAME]`: the first run. Finds the account homes, the active link, the
 * sessions and the queues already on the machine, and writes a commented config (mode 0600) that the loader and
 * `doctor` accept, then says what `validate-symlinks --fix` and `hook install` would do. On a terminal it shows the
 * config and asks; `--yes` writes without asking; without a terminal and without `--yes` it only shows it and
 * exits 2, so a script that forgot `--yes` cannot take "nothing written" for done. An existing config is never
 * overwritten (exit 2, naming it).
 */
export async function run(options: InitOptions, ctx: BaseContext): Promise<InitResult> {
  const target = configPath({ explicit: options.config, env: ctx.env, home: ctx.home }).path;
  const present = await stat(target).then(
    () => true,
    (error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return false;
      throw new FailoverError(ExitCode.failed, 'init', `cannot check ${target}: ${errnoCode(error) ?? errorMessage(error)}`);
    },
  );
  if (present) throw configExists(target);

  if (options.tmuxSocket !== undefined && !/^[A-Za-z0-9._-]+$/.test(options.tmuxSocket)) {
    throw new FailoverError(ExitCode.usage, 'usage', `--tmux-socket: expected a socket name for tmux -L (letters, digits, ".", "_", "-"), got ${JSON.stringify(options.tmuxSocket)}`);
  }
  const tmux = createTmux({ socket: options.tmuxSocket ?? null, env: ctx.env });
  const facts = await discoverMachine({ home: ctx.home, env: ctx.env, activeLink: join(ctx.home, '.claude'), tmux });
  const plan = planInit(facts);
  if (plan.accounts.length === 0) {
    throw new FailoverError(ExitCode.failed, 'init-no-accounts', `no account home found: no ${ctx.home}/.claude-* folder holds a Claude Code login (.credentials.json or .claude.json)`, {
      hint: facts.activeLink.kind === 'directory'
        ? `${facts.activeLink.path} is a real folder: move it to an account home (mv ~/.claude ~/.claude-main), then run init again`
        : 'log in to each account in its own home: CLAUDE_CONFIG_DIR=~/.claude-main claude, then /login; then run init again',
    });
  }
  const text = renderInitConfig({ plan, home: ctx.home, tmuxSocket: options.tmuxSocket ?? null, at: ctx.clock.now().toISOString() });
  let config: Config;
  try {
    config = parseConfigText(text, target, ctx.home);
  } catch (error) {
    // The renderer and the loader disagree: a bug here, never a half-valid file written for the operator to debug.
    throw new Error(`init rendered a config the loader refuses: ${errorMessage(error)}`);
  }
  const result: InitResult = {
    configPath: target,
    outcome: 'dry-run',
    written: false,
    asked: false,
    accounts: plan.accounts,
    activeLink: plan.activeLink,
    sharedRoot: plan.sharedRoot,
    pool: plan.pool,
    dedicated: plan.dedicated,
    projects: plan.projects,
    otherSessions: plan.otherSessions,
    tmux: { server: facts.tmuxLabel, sessions: facts.sessions?.length ?? null },
    config: text,
    next: await nextSteps(config),
    warnings: plan.warnings,
  };
  if (options.dryRun) return result;
  if (!options.yes) {
    if (options.ask === null) return { ...result, outcome: 'needs-yes' };
    ctx.out.text(renderPreview(result, plainStyle));
    result.asked = true;
    if (!(await options.ask(`Write ${target}? [y/N] `))) return { ...result, outcome: 'declined' };
  }
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  try {
    await writeFileExclusive(target, text, 0o600);
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') throw configExists(target);
    throw error;
  }
  ctx.log.info(`wrote ${target}`);
  return { ...result, outcome: 'written', written: true };
}

/** What the next commands would do with this config, read from the machine as it is now. */
async function nextSteps(config: Config): Promise<NextStep[]> {
  const plan = planSymlinks(config, await observeSharedState(config));
  const fixes = plan.fixes.map((fix) => (fix.kind === 'mkdir' ? `create the folder ${fix.path}` : `link ${fix.path} → ${fix.target}`));
  const refused = plan.problems.filter((p) => !p.fixable && p.kind !== 'missing-home').map((p) => `leave for you to repair: ${p.message}`);
  const homes = config.accounts.map((a) => `${a.home}/settings.json`);
  return [
    { command: 'claude-failover validate-symlinks --fix', would: fixes.length + refused.length === 0 ? ['nothing: every home already links the shared entries'] : [...fixes, ...refused] },
    {
      command: 'claude-failover hook install',
      would: [`add the Stop and StopFailure hooks to ${homes.join(', ')} (merged: your own settings and hooks are kept)`],
    },
    { command: 'claude-failover doctor', would: ['check everything the tool depends on, with the fix for each problem'] },
    { command: 'claude-failover systemd install', would: ['install the timers and inbox path units that run the fleet unattended'] },
  ];
}

function renderPreview(result: InitResult, style: Style): string {
  const lines: string[] = [];
  const found = [
    `${result.accounts.length} account home(s) (${result.accounts.map((a) => `${a.name}${a.active ? ' *' : ''}`).join(', ')})`,
    result.pool.running.length > 0 ? `pool ${result.pool.running.join(', ')}` : 'no pool sessions',
    `${result.dedicated.length} dedicated session(s)`,
    `${result.projects.length + result.dedicated.length} project(s) with a queue`,
  ];
  lines.push(style.bold(`Found on ${result.tmux.server} and under your home: ${found.join(', ')}.`));
  for (const warning of result.warnings) lines.push(style.yellow(`warning: ${warning}`));
  lines.push('', style.bold(`# ${result.configPath}`), result.config.trimEnd(), '', style.bold('Next:'));
  for (const step of result.next) lines.push(`  $ ${step.command}`, ...step.would.map((w) => `      ${w}`));
  return lines.join('\n');
}

export const exitCode = (result: InitResult) => (result.outcome === 'needs-yes' ? ExitCode.usage : ExitCode.ok);

export function render(result: InitResult, style: Style): string {
  const said = result.asked ? [] : [renderPreview(result, style), ''];
  switch (result.outcome) {
    case 'written':
      return [...said, style.green(`wrote ${result.configPath} (mode 600)`)].join('\n');
    case 'declined':
      return [...said, `nothing written; run init again, or init --yes, when it looks right`].join('\n');
    case 'dry-run':
      return [...said, style.yellow(`dry run: ${result.configPath} not written`)].join('\n');
    case 'needs-yes':
      return [...said, style.yellow(`not written: there is no terminal to ask on; run init --yes to write ${result.configPath}`)].join('\n');
    default:
      return unreachable(result.outcome, 'init outcome');
  }
}

/** The question on the terminal (stderr, so stdout stays the command's output), answered on stdin. */
export async function askOnTerminal(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } catch {
    // Input closed before an answer (Ctrl-D): not a yes.
    return false;
  } finally {
    prompt.close();
  }
}
