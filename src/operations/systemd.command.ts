import { dirname, resolve } from 'node:path';
import { installedUnits, lingerEnabled, realSystemd, removeUnits, userUnitDir, writeUnits, type SystemdPort } from './systemctl.js';
import { queuePaths } from '../queue/files.js';
import { projectDirs } from '../base/core/config.js';
import { ExitCode, FailoverError } from '../base/core/errors.js';
import type { Style } from '../base/core/format.js';
import { renderUnits, unitsToEnable } from './core/systemd-units.js';
import type { Context } from '../context.js';

export interface SystemdOptions {
  dryRun: boolean;
  /** Absolute path of bin/claude-failover.js, which the units run (the CLI passes the one that started it). */
  bin: string;
  /** Where to write the units (default: the user unit dir). */
  unitDir?: string | undefined;
  /** Injected by tests; the real systemctl/loginctl otherwise. */
  port?: SystemdPort;
}

export interface SystemdResult {
  action: 'install' | 'uninstall';
  dryRun: boolean;
  unitDir: string;
  units: Array<{ name: string; content?: string }>;
  enabled: string[];
  /** Lingering: without it nothing runs after logout. null = could not be told (no systemd here). */
  linger: boolean | null;
  warnings: string[];
}

async function systemctlOrFail(port: SystemdPort, args: string[]): Promise<void> {
  const result = await port.systemctl(args);
  if (result.exitCode !== 0) {
    throw new FailoverError(ExitCode.failed, 'systemd', `systemctl --user ${args.join(' ')} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`, {
      hint: result.failure === 'missing' ? 'systemd is not available on this machine; run the commands from cron or by hand' : 'check `systemctl --user status`',
    });
  }
}

export async function install(options: SystemdOptions, ctx: Context): Promise<SystemdResult> {
  if (!ctx.config.file) throw new FailoverError(ExitCode.usage, 'config', 'systemd install needs a config file the units can point at');
  const unitDir = options.unitDir ?? userUnitDir(ctx.env, ctx.home);
  const units = renderUnits({
    node: process.execPath,
    bin: resolve(options.bin),
    configPath: resolve(ctx.config.file),
    environmentFile: resolve(dirname(ctx.config.file), 'env'),
    inboxes: projectDirs(ctx.config).map((p) => queuePaths(p).inbox),
    metricsTextfile: ctx.config.metrics.textfile,
  });
  const enabled = unitsToEnable(units);
  const result: SystemdResult = { action: 'install', dryRun: options.dryRun, unitDir, units, enabled, linger: null, warnings: [] };
  if (options.dryRun) return result;

  const port = options.port ?? realSystemd;
  // Units of inboxes no longer configured would keep firing: remove what we installed before that is not rendered now.
  const stale = (await installedUnits(unitDir)).filter((name) => !units.some((u) => u.name === name));
  if (stale.length > 0) {
    await port.systemctl(['disable', '--now', ...stale]);
    await removeUnits(unitDir, stale);
  }
  await writeUnits(unitDir, units);
  await systemctlOrFail(port, ['daemon-reload']);
  await systemctlOrFail(port, ['enable', '--now', ...enabled]);
  result.linger = await lingerEnabled(port);
  if (result.linger === false) {
    result.warnings.push('lingering is off: the timers stop when you log out. Fix: sudo loginctl enable-linger $USER');
    ctx.log.warn(result.warnings[0] as string);
  }
  return { ...result, units: units.map(({ name }) => ({ name })) };
}

export async function uninstall(options: SystemdOptions, ctx: Context): Promise<SystemdResult> {
  const unitDir = options.unitDir ?? userUnitDir(ctx.env, ctx.home);
  const names = await installedUnits(unitDir);
  const result: SystemdResult = { action: 'uninstall', dryRun: options.dryRun, unitDir, units: names.map((name) => ({ name })), enabled: [], linger: null, warnings: [] };
  if (options.dryRun || names.length === 0) return result;
  const port = options.port ?? realSystemd;
  const disable = await port.systemctl(['disable', '--now', ...names]);
  if (disable.exitCode !== 0) result.warnings.push(`systemctl disable reported: ${disable.stderr.trim()}`);
  await removeUnits(unitDir, names);
  await systemctlOrFail(port, ['daemon-reload']);
  return result;
}

export function render(result: SystemdResult, style: Style): string {
  if (result.action === 'uninstall') {
    if (result.units.length === 0) return `no claude-failover units in ${result.unitDir}`;
    return `${result.dryRun ? 'would remove' : 'removed'} ${result.units.length} units from ${result.unitDir}:\n${result.units.map((u) => `  ${u.name}`).join('\n')}`;
  }
  if (result.dryRun) {
    return result.units.map((u) => `${style.bold(`# ${result.unitDir}/${u.name}`)}\n${u.content ?? ''}`).join('\n');
  }
  const lines = [`wrote ${result.units.length} units to ${result.unitDir}; enabled and started:`, ...result.enabled.map((n) => `  ${n}`)];
  for (const warning of result.warnings) lines.push(style.yellow(`warning: ${warning}`));
  return lines.join('\n');
}
