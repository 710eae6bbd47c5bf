import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { runCommand, type CommandResult } from '../base/process.js';
import { NODE_FLAGS, UNIT_PREFIX, transientCheckQuotaArgs } from '../operations/core/systemd-units.js';
import type { Context } from '../context.js';

/**
 * Starts one `check-quota` run right now, out of band, and returns without waiting for it: what the StopFailure hook
 * does for a usage limit or a failed login, so failover begins within seconds instead of at the next timer tick.
 * Where a user manager answers, the run is a transient systemd unit (it outlives the hook, Claude Code and the tmux
 * session the swap is about to stop, and logs to the journal like the timer's runs); elsewhere it is a detached
 * process in its own session whose output goes to `<state_dir>/check-quota-now.log`. Either way it is an ordinary
 * run: it takes the lock (a concurrent run exits 75) and decides from what it reads, not from what started it.
 */

export interface CheckQuotaStart {
  via: 'systemd-run' | 'detached';
  /** The transient unit (systemd-run). */
  unit: string | null;
  /** The detached process. */
  pid: number | null;
  /** Where the detached run's output goes. */
  log: string | null;
}

export interface StartPort {
  systemdRun(args: string[]): Promise<CommandResult>;
  /** Starts `command` detached (own session, no terminal), stdout and stderr appended to `logFile`; its pid. */
  spawnDetached(command: string, args: string[], options: { cwd: string; logFile: string; env: NodeJS.ProcessEnv }): Promise<number>;
}

const SYSTEMD_RUN_TIMEOUT_MS = 3000;
/** The detached runs' log is kept small: past this size it is moved to `.1` (one generation) before the next start. */
const MAX_LOG_BYTES = 1024 * 1024;

export const realStartPort: StartPort = {
  systemdRun: (args) => runCommand('systemd-run', args, SYSTEMD_RUN_TIMEOUT_MS),
  async spawnDetached(command, args, { cwd, logFile, env }) {
    const log = await open(logFile, 'a', 0o600);
    try {
      const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', log.fd, log.fd] });
      const pid = await new Promise<number>((done, fail) => {
        child.once('spawn', () => done(child.pid as number));
        child.once('error', fail);
      });
      child.unref();
      return pid;
    } finally {
      await log.close();
    }
  },
};

/**
 * Whether a systemd user manager can be asked: its runtime directory holds its private socket or the user bus.
 * `$INVOCATION_ID` alone says little here: a tmux server started by a unit passes it on to every pane it creates.
 */
export function userManagerReachable(env: NodeJS.ProcessEnv): boolean {
  const runtime = env.XDG_RUNTIME_DIR;
  return Boolean(runtime) && (existsSync(join(runtime as string, 'systemd', 'private')) || existsSync(join(runtime as string, 'bus')));
}

export async function startCheckQuotaNow(ctx: Context, request: { bin: string; why: string }, port: StartPort = realStartPort): Promise<CheckQuotaStart> {
  const configPath = resolve(ctx.config.file ?? '');
  const bin = resolve(request.bin);
  if (userManagerReachable(ctx.env)) {
    const unit = `${UNIT_PREFIX}check-quota-now-${ctx.clock.now().getTime()}-${process.pid}`;
    const args = transientCheckQuotaArgs({ node: process.execPath, bin, configPath, environmentFile: resolve(dirname(configPath), 'env') }, unit);
    const result = await port.systemdRun(args);
    if (result.exitCode === 0) return { via: 'systemd-run', unit, pid: null, log: null };
    ctx.log.warn(`systemd-run could not start check-quota (${result.stderr.trim() || `exit ${result.exitCode}`}); starting it as a detached process`);
  }
  const logFile = join(ctx.paths.stateDir, 'check-quota-now.log');
  await mkdir(ctx.paths.stateDir, { recursive: true, mode: 0o700 });
  await rotate(logFile);
  await appendLine(logFile, `--- ${ctx.clock.now().toISOString()} check-quota started by ${request.why}\n`);
  // Not the pane's command any more: a run that swaps stops that pane.
  const { TMUX_PANE: _pane, ...env } = ctx.env;
  const pid = await port.spawnDetached(process.execPath, [...NODE_FLAGS, bin, 'check-quota', '--config', configPath], { cwd: ctx.paths.stateDir, logFile, env });
  return { via: 'detached', unit: null, pid, log: logFile };
}

async function rotate(logFile: string): Promise<void> {
  const size = await stat(logFile).then((s) => s.size, () => 0);
  // Another hook may have moved it a moment ago: either way the next lines go to a small file.
  if (size > MAX_LOG_BYTES) await rename(logFile, `${logFile}.1`).catch(() => undefined);
}

async function appendLine(logFile: string, line: string): Promise<void> {
  const handle = await open(logFile, 'a', 0o600);
  try {
    await handle.write(line);
  } finally {
    await handle.close();
  }
}
