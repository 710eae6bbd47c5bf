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
