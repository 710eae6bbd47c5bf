import { resolve } from 'node:path';
import { failpoint } from '../base/failpoint.js';
import { ExitCode, FailoverError, unreachable } from '../base/core/errors.js';
import type { Style } from '../base/core/format.js';
import type { Check } from '../base/core/json.js';
import { readSettingsFile, settingsPathOf, writeSettingsFile } from '../claude-code/settings-file.js';
import { installHooks, uninstallHooks, type SettingsEdit, type ToolHookEvent } from '../claude-code/core/settings-hooks.js';
import { hookCommandLines, toolHookEvent } from './core/hook-command.js';
import { NODE_FLAGS } from './core/systemd-units.js';
import type { Context } from '../context.js';

export interface HooksOptions {
  dryRun: boolean;
  /** Absolute path of bin/claude-failover.js, which the hooks run (the CLI passes the one that started it). */
  bin: string;
}

export type HomeStatus =
  /** Written (or, in a dry run, would be): the tool's hooks added, updated or removed. */
  | 'changed'
  /** Already as wanted: the file was not touched. */
  | 'unchanged'
  /** The account home does not exist: nothing to do there. */
  | 'missing-home'
  /** settings.json cannot be read or edited safely: left untouched. */
  | 'broken';

export interface HomeOutcome {
  account: string;
  home: string;
  settings: string;
  status: HomeStatus;
  changes: string[];
  /** Why the file was left untouched (broken); null otherwise. */
  error: string | null;
}

export interface HooksResult {
  action: 'install' | 'uninstall';
  dryRun: boolean;
  /** The command lines installed, per Claude Code event (install only). */
  commands: Record<ToolHookEvent, string> | null;
  homes: HomeOutcome[];
}

/** The hook command lines for this CLI and config: node, the bin and the config, all absolute. */
export function toolHookCommands(ctx: Pick<Context, 'config'>, bin: string): Record<ToolHookEvent, string> {
  if (!ctx.config.file) throw new FailoverError(ExitCode.usage, 'config', 'installing hooks needs a config file the hooks can point at');
  return hookCommandLines({ node: process.execPath, nodeFlags: NODE_FLAGS, bin: resolve(bin), configPath: resolve(ctx.config.file) });
}

/**
 * `hook install [--dry-run]`: merges the tool's Stop and StopFailure hooks into every account home's settings.json.
 * Homes are independent: a broken file is named and left as it is, the others are still done (exit 1 at the end).
 */
export async function install(options: HooksOptions, ctx: Context): Promise<HooksResult> {
  const commands = toolHookCommands(ctx, options.bin);
  const homes = await eachHome(ctx, options.dryRun, (text) => installHooks(text, commands, toolHookEvent));
  return { action: 'install', dryRun: options.dryRun, commands, homes };
}

/** `hook uninstall [--dry-run]`: removes exactly the tool's entries from every account home's settings.json. */
export async function uninstall(options: HooksOptions, ctx: Context): Promise<HooksResult> {
  const homes = await eachHome(ctx, options.dryRun, (text) => uninstallHooks(text, toolHookEvent));
  return { action: 'uninstall', dryRun: options.dryRun, commands: null, homes };
}

async function eachHome(ctx: Context, dryRun: boolean, edit: (text: string | null) => Check<SettingsEdit>): Promise<HomeOutcome[]> {
  const outcomes: HomeOutcome[] = [];
  const seen = new Set<string>();
  // One after the other, in the config's order: a kill between two homes leaves whole files, the rest for the re-run.
  for (const account of ctx.config.accounts) {
    if (seen.has(account.home)) continue;
    seen.add(account.home);
    const base = { account: account.name, home: account.home, settings: settingsPathOf(account.home) };
    const nothing = { changes: [], error: null };
    const read = await readSettingsFile(account.home);
    if (read.kind === 'missing-home') {
      ctx.log.debug(`account ${account.name}: home ${account.home} does not exist; its hooks are not set`);
      outcomes.push({ ...base, status: 'missing-home', ...nothing });
      continue;
    }
    const edited = read.kind === 'read' ? edit(read.text) : ({ ok: false, reason: read.message } as const);
    if (!edited.ok) {
      const error = `${base.settings}: ${edited.reason}`;
      ctx.log.error(`${error}; left untouched`);
      outcomes.push({ ...base, status: 'broken', changes: [], error });
      continue;
    }
    if (edited.value.text === null || read.kind !== 'read') {
      outcomes.push({ ...base, status: 'unchanged', ...nothing });
      continue;
    }
    if (!dryRun) {
      await writeSettingsFile(read, edited.value.text);
      ctx.log.debug(`${base.settings}: ${edited.value.changes.join('; ')}`);
      failpoint('hook-settings:after-write');
    }
    outcomes.push({ ...base, status: 'changed', changes: edited.value.changes, error: null });
  }
  return outcomes;
}

export const exitCode = (result: HooksResult) => (result.homes.some((h) => h.status === 'broken') ? ExitCode.failed : ExitCode.ok);

export function render(result: HooksResult, style: Style): string {
  const verb = result.action === 'install' ? 'installed' : 'removed';
  const lines = result.homes.map((h) => {
    switch (h.status) {
      case 'changed':
        return `${style.green(result.dryRun ? `would be ${verb}` : verb)}  ${h.settings}\n${h.changes.map((c) => `    ${c}`).join('\n')}`;
      case 'unchanged':
        return `${style.dim('unchanged')}  ${h.settings}`;
      case 'missing-home':
        return `${style.yellow('no home')}  account ${h.account}: ${h.home} does not exist`;
      case 'broken':
        return `${style.red('untouched')}  ${h.error ?? h.settings}`;
      default:
        return unreachable(h.status, 'home status');
    }
  });
  if (result.commands) lines.push('', 'hook commands:', `  Stop:        ${result.commands.Stop}`, `  StopFailure: ${result.commands.StopFailure}`);
  return lines.join('\n');
}
