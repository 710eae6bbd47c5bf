/**
 * The last run of each command, as the CLI frame records it after every run (operations/last-run.ts) and `metrics`
 * exposes it (`claude_failover_last_run_timestamp_seconds{command,result}`): an alert then sees a timer that stopped
 * running, or a command that keeps failing, without systemd or the journal.
 */

import { isOneOf, isRecord } from '../../base/core/json.js';

export const RUN_RESULTS = ['ok', 'failed', 'usage', 'blocked', 'busy'] as const;
export type RunResult = (typeof RUN_RESULTS)[number];

/** The exit-code table, as words: 0 ok, 1 failed, 2 usage (or config), 3 blocked, 75 busy (the lock was held). */
export function runResultOf(exitCode: number): RunResult {
  switch (exitCode) {
    case 0:
      return 'ok';
    case 2:
      return 'usage';
    case 3:
      return 'blocked';
    case 75:
      return 'busy';
    default:
      return 'failed';
  }
}

export interface LastRun {
  /** The command as typed after `claude-failover`: `reconcile`, `hook stop`. */
  command: string;
  result: RunResult;
  exitCode: number;
  /** When the run ended (ISO). */
  at: string;
  durationMs: number;
}

/**
 * One file per command and result (`reconcile.ok.json`, `hook-stop.failed.json`): a run replaces only its own file,
 * so two runs ending at once never need to read-modify-write a shared one (they run without the lock).
 */
export function lastRunFileName(command: string, result: RunResult): string {
  return `${command.replace(/[^A-Za-z0-9_-]+/g, '-')}.${result}.json`;
}

/** A record read back; null for anything that is not one (a half-written or foreign file is skipped, not fatal). */
export function parseLastRun(text: string): LastRun | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(data)) return null;
  const { command, result, exitCode, at, durationMs } = data;
  if (typeof command !== 'string' || command === '' || !isOneOf(RUN_RESULTS, result)) return null;
  if (typeof at !== 'string' || Number.isNaN(Date.parse(at))) return null;
  if (typeof exitCode !== 'number' || typeof durationMs !== 'number') return null;
  return { command, result, exitCode, at, durationMs };
}
