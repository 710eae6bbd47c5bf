import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { inspectLock, lockPaths } from '../base/lock.js';
import { runCommand } from '../base/process.js';
import { createTmux, type Tmux } from '../sessions/tmux.js';
import { observeSharedState, readActiveLink } from '../accounts/symlinks.js';
import { installedUnits, lingerEnabled, realSystemd, unitHealth, userUnitDir, type SystemdPort } from './systemctl.js';
import { checkHooks } from './hooks-check.js';
import { delegationStatus, type Config } from '../base/core/config.js';
import { ExitCode, FailoverError, errnoCode, errorMessage } from '../base/core/errors.js';
import type { Style } from '../base/core/format.js';
import { emptyState, normalizeState, type State } from '../base/core/state.js';
import { activeAccount } from '../accounts/active-account.js';
import { accountsHealth } from './account-health.js';
import { accountVerdict } from './core/account-health.js';
import { planSymlinks } from '../accounts/core/symlinks.js';
import { withConfig, type BaseContext, type Context } from '../context.js';

export type CheckLevel = 'ok' | 'warning' | 'error';

export interface Check {
  name: string;
  level: CheckLevel;
  detail: string;
  /** What to do about it; null when nothing is needed. */
  fix: string | null;
}

export interface DoctorOptions {
  config?: string | undefined;
  /** The bin that runs (the CLI passes it): the hooks check compares the installed hook command lines with it. */
  bin?: string | undefined;
  systemd?: SystemdPort;
}

export interface DoctorReport {
  checks: Check[];
  errors: number;
  warnings: number;
}

const ok = (name: string, detail: string): Check => ({ name, level: 'ok', detail, fix: null });
const warning = (name: string, detail: string, fix: string): Check => ({ name, level: 'warning', detail, fix });
const error = (name: string, detail: string, fix: string): Check => ({ name, level: 'error', detail, fix });

/**
 * `doctor`: checks everything the tool depends on and says, for each problem, how to fix it. Read-only (it never
 * repairs: `validate-symlinks --fix` and friends do that on purpose). Exit 1 when any check is an error.
 */
export async function run(options: DoctorOptions, base: BaseContext): Promise<DoctorReport> {
  const checks: Check[] = [checkNode()];
  let ctx: Context | null = null;
  try {
    ctx = await withConfig(base, options.config);
    checks.push(ok('config', `${ctx.config.file} is valid`));
  } catch (failure) {
    const message = errorMessage(failure);
    checks.push(error('config', message, failure instanceof FailoverError && failure.hint ? failure.hint : 'fix the config (see README "Configuration")'));
  }
  // Without a config, the server a config without `tmux.socket` would use: the default one.
  checks.push(await checkTmux(ctx?.tmux ?? createTmux({ socket: null, env: base.env }), ctx?.config.tmux.socket ?? null));
  if (ctx) {
    const systemd = options.systemd ?? realSystemd;
    const stateRead = await checkState(ctx);
    const results = await Promise.all([
      checkClaude(ctx),
      checkHomes(ctx, stateRead.state),
      checkActiveLink(ctx.config),
      stateRead.checks,
      checkLock(ctx),
      checkDelegation(ctx),
      checkSystemd(ctx, systemd),
      checkHooks(ctx, options.bin),
    ]);
    checks.push(...results.flat());
  }
  return { checks, errors: checks.filter((c) => c.level === 'error').length, warnings: checks.filter((c) => c.level === 'warning').length };
}

function checkNode(): Check {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return major > 20 || (major === 20 && minor >= 11)
    ? ok('node', `Node.js ${process.versions.node}`)
    : error('node', `Node.js ${process.versions.node} is too old`, 'install Node.js 20.11 or newer');
}

async function checkTmux(tmux: Tmux, socket: string | null): Promise<Check> {
  const version = await runCommand('tmux', ['-V'], 10_000);
  if (version.failure === 'missing') return error('tmux', 'tmux is not installed', 'install tmux (e.g. sudo apt-get install tmux)');
  if (version.exitCode !== 0) return error('tmux', `tmux -V failed: ${String(version.stderr).trim()}`, 'reinstall tmux');
  const text = String(version.stdout).trim();
  const [major = 0] = (/(\d+)\.(\d+)/.exec(text) ?? []).slice(1).map(Number);
  if (major < 3) return warning('tmux', `${text}: older than 3.0; bracketed paste and exact targets are untested there`, 'upgrade tmux to 3.x');
  const where = socket ? `tmux -L ${socket}` : 'the default tmux server';
  let sessions: string[];
  try {
    sessions = await tmux.listSessions(); // no server yet: no sessions
  } catch (failure) {
    return error('tmux', `${text}; ${where} does not answer: ${errorMessage(failure)}`, `check it with: tmux${socket ? ` -L ${socket}` : ''} list-sessions`);
  }
  return sessions.length > 0
    ? ok('tmux', `${text}; ${where} runs ${sessions.length} sessions`)
    : ok('tmux', `${text}; ${where} is not running yet (reconcile starts the pool sessions)`);
}

async function findExecutable(command: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const candidates = command.includes('/') ? [command] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next PATH entry.
    }
  }
  return null;
}

async function checkClaude(ctx: Context): Promise<Check> {
  const command = ctx.config.dispatch.claudeCommand;
  const found = await findExecutable(command, ctx.env);
  if (!found) return error('claude', `dispatch.claude_command "${command}" is not an executable on PATH`, 'install Claude Code or set dispatch.claude_command to its absolute path');
  const version = await runCommand(found, ['--version'], 10_000);
  const text = String(version.stdout).trim().split('\n')[0] ?? '';
  if (process.getuid?.() === 0 && ctx.env.IS_SANDBOX !== '1') {
    return warning('claude', `${found} ${text}; running as root`, 'Claude Code refuses --dangerously-skip-permissions as root unless IS_SANDBOX=1 is set for its sessions');
  }
  return ok('claude', `${found}${text ? ` (${text})` : ''}`);
}

/** One check per account (active, exhausted until, login failed since, credentials, login expiry), then the links. */
async function checkHomes(ctx: Context, state: State): Promise<Check[]> {
  const { config } = ctx;
  const checks: Check[] = [];
  const now = ctx.clock.now();
  const active = await activeAccount(config, state.activeAccount);
  const healths = await accountsHealth(config, state, active.name, now);
  for (const health of healths) {
    const name = `account ${health.name}`;
    const info = await stat(health.home).catch(() => null);
    if (!info?.isDirectory()) {
      checks.push(error(name, `home ${health.home} does not exist`, `create it and log in: CLAUDE_CONFIG_DIR=${health.home} claude`));
      continue;
    }
    const verdict = accountVerdict(health, now, config.accountsHealth.loginExpiryWarningMs);
    checks.push({ name, ...verdict });
  }
  const plan = planSymlinks(config, await observeSharedState(config));
  const linkProblems = plan.problems.filter((p) => !p.kind.startsWith('active-link') && p.kind !== 'missing-home');
  if (linkProblems.length === 0) checks.push(ok('shared links', `every home links ${config.shared.entries.join(', ')} to ${config.shared.root}`));
  for (const problem of linkProblems) {
    checks.push(
      error('shared links', problem.message, problem.fixable ? 'claude-failover validate-symlinks --fix' : 'repair it by hand (see README "Shared state"); --fix never rewrites a divergent link or replaces a real file'),
    );
  }
  return checks;
}

async function checkActiveLink(config: Config): Promise<Check> {
  const link = await readActiveLink(config.activeLink).catch((failure: unknown) => ({ kind: 'unreadable' as const, message: errorMessage(failure) }));
  if (link.kind === 'symlink') {
    const account = config.accounts.find((a) => a.home === link.resolved);
    return account
      ? ok('active link', `${config.activeLink} → ${link.target} (account ${account.name})`)
      : error('active link', `${config.activeLink} → ${link.target}, which is no configured account home`, 'claude-failover swap-account --to <name>');
  }
  if (link.kind === 'missing') return warning('active link', `${config.activeLink} does not exist yet`, `ln -s ${config.accounts[0]?.home ?? '<home>'} ${config.activeLink} (or run a swap)`);
  if (link.kind === 'unreadable') return error('active link', link.message, 'check the permissions of its folder');
  return error('active link', `${config.activeLink} is a real ${link.kind}, not a symlink: it needs migration`, `move its contents into an account home, then: ln -s <home> ${config.activeLink} (README "Upgrading")`);
}

/** The state file's checks, and the state itself for the account checks (a fresh one when it cannot be read). */
async function checkState(ctx: Context): Promise<{ checks: Check[]; state: State }> {
  const path = ctx.state.path;
  const fresh = (checks: Check[]) => ({ checks, state: emptyState() });
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (failure) {
    if (errnoCode(failure) === 'ENOENT') return fresh([ok('state', `${path} not created yet (first mutating command creates it)`)]);
    return fresh([error('state', `cannot read ${path}: ${errorMessage(failure)}`, 'check its owner and permissions')]);
  }
  let parsed;
  try {
    parsed = normalizeState(JSON.parse(text));
  } catch (failure) {
    return fresh([error('state', `${path} is not valid JSON (${errorMessage(failure)})`, 'the next command moves it aside and starts fresh; inspect it first if this repeats')]);
  }
  if (!parsed.ok) return fresh([error('state', `${path}: ${parsed.reason}`, 'the next command moves it aside and starts fresh')]);
  const checks: Check[] = [];
  const mode = (await stat(path)).mode & 0o777;
  checks.push(mode & 0o077 ? warning('state', `${path} has mode ${mode.toString(8)}`, `chmod 600 ${path}`) : ok('state', `${path} is valid (mode 600)`));
  if (parsed.state.partialSwap) {
    checks.push(
      error('partial swap', `set since ${parsed.state.partialSwap.since}: ${parsed.state.partialSwap.reason}`, 'repair the active link and the homes (validate-symlinks), then: claude-failover swap-account --clear-partial'),
    );
  }
  if (parsed.state.swapJournal) checks.push(warning('swap', 'an interrupted swap is recorded', 'claude-failover reconcile (finishes or rolls it back)'));
  return { checks, state: parsed.state };
}

async function checkLock(ctx: Context): Promise<Check> {
  const lock = await inspectLock(ctx.paths.stateDir, ctx.clock.now());
  if (!lock) return ok('lock', 'free');
  if (lock.stale) return warning('lock', `held by ${lock.command} (pid ${lock.pid}) and not refreshed: stale`, `if no claude-failover runs: rm -r ${lockPaths(ctx.paths.stateDir).lock}`);
  return ok('lock', `held by ${lock.command} (pid ${lock.pid}) right now`);
}

async function checkDelegation(ctx: Context): Promise<Check> {
  const status = delegationStatus(ctx.config, ctx.env);
  if (!ctx.config.delegation.enabled) return ok('delegation', 'disabled (every task runs locally)');
  if (!status.active) return error('delegation', status.reason, `export ${ctx.config.delegation.apiKeyEnv}=… in the environment of the units (EnvironmentFile) and your shell`);
  try {
    // A job id that cannot exist: 404 proves the platform answers and accepts the key.
    await (await ctx.secutools()).getJob('doctor-probe-0', { deadlineMs: 10_000 });
    return ok('delegation', `${ctx.config.delegation.baseUrl} reachable`);
  } catch (failure) {
    if (failure instanceof FailoverError && failure.code === 'secutools-not-found') return ok('delegation', `${ctx.config.delegation.baseUrl} reachable, key accepted`);
    return error('delegation', errorMessage(failure), failure instanceof FailoverError && failure.code === 'secutools-rejected' ? `check $${ctx.config.delegation.apiKeyEnv}` : `check delegation.base_url and the network`);
  }
}

async function checkSystemd(ctx: Context, systemd: SystemdPort): Promise<Check[]> {
  const names = await installedUnits(userUnitDir(ctx.env, ctx.home));
  if (names.length === 0) return [warning('systemd', 'no units installed: nothing runs unattended', 'claude-failover systemd install')];
  const checks: Check[] = [];
  const linger = await lingerEnabled(systemd);
  if (linger === false) checks.push(warning('linger', 'lingering is off: the timers stop when you log out', 'sudo loginctl enable-linger $USER'));
  const health = await unitHealth(systemd, names);
  if (!health.ok) return [...checks, warning('systemd', `cannot ask systemd about the units: ${health.reason}`, 'systemctl --user status')];
  const failed = health.units.filter((u) => u.failed);
  checks.push(
    failed.length === 0
      ? ok('systemd', `${names.length} units installed, none failed`)
      : error('systemd', `failed: ${failed.map((u) => `${u.unit} (${u.result ?? u.activeState})`).join(', ')}`, 'journalctl --user -u <unit> to see why, then systemctl --user reset-failed'),
  );
  return checks;
}

export const exitCode = (report: DoctorReport) => (report.errors > 0 ? ExitCode.failed : ExitCode.ok);

export function render(report: DoctorReport, style: Style): string {
  const mark = { ok: style.green('ok     '), warning: style.yellow('warning'), error: style.red('error  ') };
  const lines = report.checks.map((c) => `${mark[c.level]}  ${c.name}: ${c.detail}${c.fix ? `\n         ${style.dim(`fix: ${c.fix}`)}` : ''}`);
  lines.push('', report.errors > 0 ? style.red(`${report.errors} error(s), ${report.warnings} warning(s)`) : `no errors, ${report.warnings} warning(s)`);
  return lines.join('\n');
}
