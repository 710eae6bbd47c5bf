import { execa, type Options } from 'execa';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLAUDE_FAILOVER_BIN = `${REPO_ROOT}bin/claude-failover.js`;
export const CCL_DELEGATE_BIN = `${REPO_ROOT}bin/ccl-delegate.js`;

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** True when the process was killed by a signal (a failpoint fires SIGKILL). */
  signal: string | undefined;
}

/** Runs a built CLI as a real subprocess with a clean environment (no inherited colour or systemd variables). */
export async function runCli(bin: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  const execaOptions: Options = {
    env: { PATH: process.env.PATH, ...options.env },
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 30_000,
    input: options.input ?? '',
  };
  const result = await execa('node', [bin, ...args], execaOptions);
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    signal: result.signal,
  };
}

export const claudeFailover = (args: string[], options?: Parameters<typeof runCli>[2]) => runCli(CLAUDE_FAILOVER_BIN, args, options);
export const cclDelegate = (args: string[], options?: Parameters<typeof runCli>[2]) => runCli(CCL_DELEGATE_BIN, args, options);
