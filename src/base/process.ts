import { existsSync, readFileSync } from 'node:fs';
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
