import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { errnoCode } from './core/errors.js';

/** The outcome of a short external command (systemctl, loginctl, tmux -V, claude --version), classified. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Set when the program could not run to its end: not installed, or past the timeout. */
  failure?: 'missing' | 'timeout';
}

/**
 * Runs a command without a shell and with a timeout; never throws for the command's own failure. execa is loaded
 * on first use: most commands never spawn anything, and it is large.
 */
export async function runCommand(file: string, args: string[], timeoutMs = 20_000): Promise<CommandResult> {
  const { execa } = await import('execa');
  const result = await execa(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  if (result.timedOut) return { exitCode: -1, stdout: '', stderr: `${file} timed out after ${timeoutMs / 1000}s`, failure: 'timeout' };
  // With reject: false a binary that cannot be spawned is a result too, carrying the errno code.
  if (result.failed && (result as { code?: string }).code === 'ENOENT') return { exitCode: -1, stdout: '', stderr: `${file} is not installed`, failure: 'missing' };
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * Whether a process still runs: a Claude Code behind a registry file, the owner of a lock. A zombie (killed, not yet
 * reaped by its parent) is not: a SIGKILLed lock owner must not hold the fleet up until its parent notices.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still alive.
    if (errnoCode(error) !== 'EPERM') return false;
  }
  // A zombie (exited, not yet reaped) answers signal 0 but is no live session.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    // Gone in between, or no /proc at all (then signal 0 is all we can tell).
    return !existsSync('/proc/self/stat');
  }
}

/**
 * The process tree, read from /proc (Linux): which Claude Code belongs to which tmux pane is a question of ancestry,
 * whatever a release writes in its own files. Every read is of one small file and tolerates a process that exits
 * meanwhile (it simply is not there); without /proc every answer is "unknown".
 */

/** The fields of `/proc/<pid>/stat` after the command name, which is in parentheses and may hold spaces and `)`. */
async function statFields(pid: number): Promise<string[] | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The parent of a live process, or null when it is gone (or there is no /proc). */
export async function parentPid(pid: number): Promise<number | null> {
  const ppid = Number((await statFields(pid))?.[1]);
  return Number.isInteger(ppid) && ppid >= 0 ? ppid : null;
}

/** The deepest process tree walked: a pane's shell → Claude Code is two or three levels; this is far beyond. */
export const MAX_ANCESTRY_DEPTH = 32;

/**
 * The ancestors of a process, its parent first, up to pid 1 (bounded); null when the process itself cannot be
 * read (gone, or no /proc): "unknown", not "no ancestors".
 */
export async function ancestorsOf(pid: number): Promise<number[] | null> {
  let current = await parentPid(pid);
  if (current === null) return null;
  const chain: number[] = [];
  for (let depth = 0; depth < MAX_ANCESTRY_DEPTH && current !== null && current > 0; depth++) {
    chain.push(current);
    if (current === 1) break;
    current = await parentPid(current);
  }
  return chain;
}

/** Every live process's parent, read in one pass over /proc (empty without /proc). */
export async function processParents(): Promise<Map<number, number>> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  const parents = new Map<number, number>();
  await Promise.all(names.filter((n) => /^\d+$/.test(n)).map(async (name) => {
    const ppid = await parentPid(Number(name));
    if (ppid !== null) parents.set(Number(name), ppid);
  }));
  return parents;
}

/** The live descendants of `root` in a parent table (children first, then theirs), bounded in depth. */
export function descendantsIn(parents: ReadonlyMap<number, number>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found: number[] = [];
  let frontier = [root];
  for (let depth = 0; depth < MAX_ANCESTRY_DEPTH && frontier.length > 0; depth++) {
    frontier = frontier.flatMap((pid) => children.get(pid) ?? []).filter((pid) => pid !== root && !found.includes(pid));
    found.push(...frontier);
  }
  return found;
}

/**
 * When a process started (epoch ms), from its start in clock ticks after boot (`/proc/<pid>/stat` field 22) and the
 * time since boot (`/proc/uptime`), both to 10 ms: finer than `/proc/stat`'s whole-second boot time. `nowMs` is
 * the caller's clock reading taken with the uptime.
 */
export async function processStartedAtMs(pid: number, nowMs: number): Promise<number | null> {
  const [fields, uptime] = await Promise.all([statFields(pid), readFile('/proc/uptime', 'utf8').catch(() => null)]);
  const ticks = Number(fields?.[19]);
  const up = Number(uptime?.split(' ')[0]);
  if (!Number.isFinite(ticks) || !Number.isFinite(up)) return null;
  // Linux reports stat times in USER_HZ, which is 100 on every architecture it exports to user space.
  return Math.round(nowMs - (up * 1000 - ticks * 10));
}

/** The files a process holds open (`/proc/<pid>/fd/*` resolved); [] when they cannot be read. */
export async function openFiles(pid: number): Promise<string[]> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const targets = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => null)));
  return targets.filter((t): t is string => t !== null && t.startsWith('/'));
}

/** One variable of a process's environment (as it was started), null when unset or unreadable. */
export async function processEnvVar(pid: number, name: string): Promise<string | null> {
  const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => null);
  const pair = environ?.split('\0').find((p) => p.startsWith(`${name}=`));
  return pair === undefined ? null : pair.slice(name.length + 1);
}

/** A process's working folder, null when unreadable. */
export async function processCwd(pid: number): Promise<string | null> {
  return readlink(`/proc/${pid}/cwd`).catch(() => null);
}
