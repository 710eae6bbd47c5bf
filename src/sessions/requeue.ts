import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { moveWithFooter, unclaimTask } from '../queue/files.js';
import { LOCAL_FALLBACK_MARKER } from '../delegation/core/markers.js';
import { pendingPathOf } from './core/session-record.js';
import type { State } from '../base/core/state.js';
import type { Context } from '../context.js';

/** A claimed task whose run failed goes back to pending with its attempt counted, or to `failed/` for good. */

export interface Requeued {
  attempts: number;
  /** The pending path it went back to, or null when it went to failed/. */
  pending: string | null;
  failedTo: string | null;
}

/**
 * A run of a claimed task failed: count the attempt; back to pending, or to `failed/` once `max_attempts` is
 * reached. Mutates `state.taskAttempts` (the caller saves). The queue move happens first: if we are killed right
 * after it, the task is safe and at worst one attempt goes uncounted; if the move throws, the count is untouched.
 */
export async function requeueOrFail(
  ctx: Context,
  state: State,
  task: { claimed: string; project: string; session: string; reason: string },
): Promise<Requeued> {
  const pending = pendingPathOf(task.claimed);
  const attempts = (state.taskAttempts[pending]?.count ?? 0) + 1;
  const at = ctx.clock.now().toISOString();
  if (attempts >= ctx.config.dispatch.maxAttempts) {
    const failedTo = await moveWithFooter(task.claimed, task.project, 'failed', {
      reason: `${task.reason} (attempt ${attempts} of ${ctx.config.dispatch.maxAttempts}: giving up)`,
      session: task.session,
      at,
      by: 'claude-failover',
    });
    await forgetTask(state, task.claimed);
    ctx.log.warn(`${task.project}: ${basename(pending)} failed ${attempts} times (${task.reason}) → ${failedTo}`);
    await ctx.notify({ event: 'task-failed', at, message: `${basename(pending)} failed ${attempts} times: ${task.reason}`, project: task.project, task: basename(pending), movedTo: failedTo });
    return { attempts, pending: null, failedTo };
  }
  const back = await unclaimTask(task.claimed);
  delete state.taskAttempts[pending];
  state.taskAttempts[back] = { count: attempts, lastError: task.reason, at };
  ctx.log.warn(`${task.project}: ${basename(pending)} back to pending after attempt ${attempts} (${task.reason})`);
  return { attempts, pending: back, failedTo: null };
}

/** The task left the queue for good (done/ or failed/): its attempt count and fallback marker go with it. */
export async function forgetTask(state: State, claimed: string): Promise<void> {
  const pending = pendingPathOf(claimed);
  delete state.taskAttempts[pending];
  await rm(pending + LOCAL_FALLBACK_MARKER, { force: true });
}
