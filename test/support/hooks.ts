import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from '../../src/base/process.js';
import type { Rig } from './sessions.js';
import { waitFor } from './wait.js';

/**
 * Shared pieces of the hook tests: a tmux pane of a rig's session to run a hook "inside", a real transcript for a
 * StopFailure payload to name, the check-quota runs a hook started (found by their command line, waited for), and a
 * stand-in `systemd-run` for machines without a user manager.
 */

/** A new tmux session on the rig's server; the environment a hook run in its pane gets from tmux. */
export async function paneOf(rig: Rig, session: string, cwd = rig.home): Promise<{ TMUX_PANE: string; TMUX: string }> {
  await rig.tmux.newSession(session, { cwd });
  const [pane, socketPath] = (await rig.tmux.displayMessage(`=${session}:`, '#{pane_id} #{socket_path}')).split(' ');
  return { TMUX_PANE: pane as string, TMUX: `${socketPath},1,0` };
}

/** A transcript file under `<home>/projects/` (Claude Code writes one before its StopFailure hooks run); its path. */
export async function transcriptIn(home: string, sessionId: string, project = '-proj'): Promise<string> {
  const dir = join(home, 'projects', project);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${sessionId}.jsonl`);
  await writeFile(path, '{"type":"user"}\n');
  return path;
}

export function stopFailurePayload(fields: { sessionId: string; transcriptPath: string; error: string; cwd?: string; message?: string }): string {
  return JSON.stringify({
    session_id: fields.sessionId,
    transcript_path: fields.transcriptPath,
    cwd: fields.cwd ?? '/home/op/src/proj',
    prompt_id: 'd550c06f-a907-4aa8-94b8-9793d34f3786',
    hook_event_name: 'StopFailure',
    error: fields.error,
    last_assistant_message: fields.message ?? "You've hit your session limit · resets 12:50am (UTC)",
  });
}

/** Pids of running `claude-failover check-quota` processes of one config (read from /proc). */
export async function checkQuotaRuns(configPath: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (args.includes('check-quota') && args.includes(configPath) && processAlive(Number(name))) pids.push(Number(name));
  }
  return pids;
}

/** Waits until no check-quota of this config runs any more (a detached run must not outlive its test's files). */
export async function checkQuotaRunsEnded(configPath: string, timeoutMs = 30_000): Promise<void> {
  await waitFor('the started check-quota runs to end', async () => (await checkQuotaRuns(configPath)).length === 0, timeoutMs, 100);
}

/**
 * A `systemd-run` stand-in in `<dir>/bin`: records its arguments (one per line) in `<dir>/systemd-run.args` and
 * exits with `exitCode` (1 with the message of a machine whose user manager cannot be reached). Also makes
 * `<dir>/run/bus`, so a runtime directory pointing there looks like one a user manager serves.
 */
export async function fakeSystemdRun(dir: string, exitCode = 0): Promise<{ path: string; runtimeDir: string; argsFile: string }> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await mkdir(join(dir, 'run'), { recursive: true });
  await writeFile(join(dir, 'run', 'bus'), '');
  const argsFile = join(dir, 'systemd-run.args');
  const script = `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\n${exitCode === 0 ? '' : "echo 'Failed to connect to bus: No medium found' >&2\n"}exit ${exitCode}\n`;
  await writeFile(join(bin, 'systemd-run'), script);
  await chmod(join(bin, 'systemd-run'), 0o755);
  return { path: `${bin}:${process.env.PATH}`, runtimeDir: join(dir, 'run'), argsFile };
}
