import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { errnoCode } from '../core/errors.js';
import { GENERATED_MARK, UNIT_PREFIX, type UnitFile } from '../core/systemd-units.js';
import { writeFileAtomic } from './fs-atomic.js';

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the program could not run at all (missing binary, timeout). */
  failure?: 'missing' | 'timeout';
}

/** How we talk to systemd: `systemctl --user …` and `loginctl …`. Tests inject a recorder. */
export interface SystemdPort {
  systemctl(args: string[]): Promise<CommandResult>;
  loginctl(args: string[]): Promise<CommandResult>;
}

async function runTool(file: string, args: string[]): Promise<CommandResult> {
  try {
    const { execa } = await import('execa');
    const result = await execa(file, args, { reject: false, timeout: 20_000, stdin: 'ignore' });
    if (result.timedOut) return { exitCode: -1, stdout: '', stderr: `${file} timed out`, failure: 'timeout' };
    return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return { exitCode: -1, stdout: '', stderr: `${file} is not installed`, failure: 'missing' };
    throw error;
  }
}

export const realSystemd: SystemdPort = {
  systemctl: (args) => runTool('systemctl', ['--user', ...args]),
  loginctl: (args) => runTool('loginctl', args),
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
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return [];
    throw error;
  }
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
