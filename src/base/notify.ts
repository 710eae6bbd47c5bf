/**
 * Runs `notify.command` (through /bin/sh, as the operator wrote it) with the event JSON on stdin. A notifier that
 * fails, hangs or is missing is logged and never breaks the command that raised the event.
 */

import { errorMessage } from './core/errors.js';
import type { Log } from './log.js';

export type NotifyEventName = 'swap' | 'partial-swap' | 'all-exhausted' | 'task-failed' | 'session-stalled' | 'account-login-expiring' | 'account-login-failed';

export interface NotifyEvent {
  event: NotifyEventName;
  /** ISO time of the event. */
  at: string;
  /** One human sentence, for notifiers that just forward text. */
  message: string;
  [detail: string]: unknown;
}

export type Notify = (event: NotifyEvent) => Promise<void>;

const NOTIFY_TIMEOUT_MS = 15_000;

export function createNotify(command: string | null, log: Log): Notify {
  return async (event) => {
    log.info(`event ${event.event}: ${event.message}`);
    if (!command) return;
    try {
      // Loaded only when there is something to run: most commands never notify, and execa is large.
      const { execa } = await import('execa');
      const result = await execa('/bin/sh', ['-c', command], {
        input: JSON.stringify(event) + '\n',
        reject: false,
        timeout: NOTIFY_TIMEOUT_MS,
        stdout: 'ignore',
        stderr: 'pipe',
      });
      if (result.timedOut) log.warn(`notify command timed out after ${NOTIFY_TIMEOUT_MS / 1000}s (event ${event.event})`);
      else if (result.exitCode !== 0) {
        log.warn(`notify command exited ${result.exitCode} (event ${event.event})${result.stderr ? `: ${String(result.stderr).trim().slice(0, 300)}` : ''}`);
      }
    } catch (error) {
      log.warn(`notify command could not run (event ${event.event}): ${errorMessage(error)}`);
    }
  };
}
