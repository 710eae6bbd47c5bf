import { mkdir, readFile, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { UnitStatus } from './core/status.js';
import { GENERATED_MARK, UNIT_PREFIX, type UnitFile } from './core/systemd-units.js';
import { readFolder } from '../base/folders.js';
import { writeFileAtomic } from '../base/fs-atomic.js';
import { runCommand, type CommandResult } from '../base/process.js';

export type { CommandResult };

/** How we talk to systemd: `systemctl --user …` and `loginctl …`. Tests inject a recorder. */
export interface SystemdPort {
  systemctl(args: string[]): Promise<CommandResult>;
  loginctl(args: string[]): Promise<CommandResult>;
}

export const realSystemd: SystemdPort = {
  systemctl: (args) => runCommand('systemctl', ['--user', ...args]),
  loginctl: (args) => runCommand('loginctl', args),
};

/** `$XDG_CONFIG_HOME/systemd/user`, the user unit directory systemd reads. */
export function userUnitDir(env: NodeJS.ProcessEnv, home: string): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user');
}

export async function writeUnits(dir: string, units: UnitFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const unit of units) await writeFileAtomic(join(dir, unit.name), unit.content, 0o644);
}

/** Our units in `dir`: only files we generated (prefix and mark), never an operator's own unit. */
export async function installedUnits(dir: string): Promise<string[]> {
  const names = await readFolder(dir);
  const ours: string[] = [];
  for (const name of names.filter((n) => n.startsWith(UNIT_PREFIX)).sort()) {
    const head = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (head.startsWith(GENERATED_MARK)) ours.push(name);
  }
  return ours;
}

export async function removeUnits(dir: string, names: string[]): Promise<void> {
  for (const name of names) await rm(join(dir, name), { force: true });
}

/** Lingering keeps the user manager (and so the timers) running after logout; null when it cannot be told. */
export async function lingerEnabled(port: SystemdPort): Promise<boolean | null> {
  const result = await port.loginctl(['show-user', userInfo().username, '--property=Linger', '--value']);
  if (result.exitCode !== 0) return null;
  return result.stdout.trim() === 'yes';
}

const SHOW_PROPERTIES = 'Id,ActiveState,Result,LastTriggerUSec,ExecMainExitTimestamp';

/** Health of the given units in one `systemctl --user show`; the failure message when systemd cannot be asked. */
export async function unitHealth(port: SystemdPort, names: string[]): Promise<{ ok: true; units: UnitStatus[] } | { ok: false; reason: string }> {
  const shown = await port.systemctl(['show', `--property=${SHOW_PROPERTIES}`, ...names]);
  if (shown.exitCode !== 0) return { ok: false, reason: `systemctl --user show failed: ${shown.stderr.trim() || `exit ${shown.exitCode}`}` };
  return { ok: true, units: parseShow(shown.stdout) };
}

/** `systemctl show` prints one `Key=value` block per unit, blocks separated by a blank line. */
function parseShow(text: string): UnitStatus[] {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((block) => Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])))
    .filter((props) => props.Id)
    .map((props) => {
      const when = props.LastTriggerUSec || props.ExecMainExitTimestamp || '';
      const parsed = Date.parse(when.replace(/^\w{3} /, ''));
      const result = props.Result || null;
      return {
        unit: props.Id as string,
        activeState: props.ActiveState ?? 'unknown',
        result,
        lastRun: when === '' || when === 'n/a' || Number.isNaN(parsed) ? null : new Date(parsed).toISOString(),
        failed: props.ActiveState === 'failed' || (result !== null && result !== 'success'),
      };
    });
}
