import { readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileExclusive } from '../base/fs-atomic.js';
import { moveWithFooter, unclaimTask } from '../queue/files.js';
import { errnoCode, errorMessage } from '../base/core/errors.js';
import { LOCAL_FALLBACK_MARKER } from '../delegation/core/markers.js';
import { claudeRunning, isShellCommand, readPane } from '../claude-code/core/screen.js';
import { pendingPathOf } from './core/session-record.js';
import type { SessionRecord, State } from '../base/core/state.js';
import { isUuid } from '../base/core/uuid.js';
import type { Context } from '../context.js';

/** Actions on pool sessions and their tasks shared by dispatch and reconcile (the decisions stay in core/). */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value other than undefined or the deadline passes (then undefined). Bounded in
 * time, and in count through the fixed interval.
 */
export async function pollUntil<T>(timeoutMs: number, intervalMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() + intervalMs > deadline) return undefined;
    await sleep(intervalMs);
  }
}

/** A pool session is disposable: killed (if there) and created fresh, at the operator's home. */
export async function recreateSession(ctx: Context, name: string): Promise<void> {
  await ctx.tmux.killSession(name);
  await ctx.tmux.newSession(name, { cwd: ctx.home });
}

/** How long `/exit` gets before the session is recreated instead. */
const EXIT_TIMEOUT_MS = 5000;

/**
 * Ends Claude Code in a pool session with `/exit` (the session stays, at its shell, with the resume hint on
 * screen). If Claude Code does not leave in time, the session is recreated: a pool session must come back clean.
 */
export async function exitClaude(ctx: Context, name: string): Promise<'exited' | 'recreated'> {
  try {
    // Never with `reset`: a blanked screen has no input box, which the poll below would take for Claude Code gone.
    await ctx.tmux.sendLine(name, '/exit');
    const left = await pollUntil(EXIT_TIMEOUT_MS, 150, async () => {
      const pane = (await ctx.tmux.inspectMany([name])).get(name);
      if (!pane) return undefined;
      return claudeRunning(readPane(pane.text), isShellCommand(pane.command)) ? undefined : true;
    });
    if (left) return 'exited';
  } catch (error) {
    ctx.log.debug(`${name}: /exit failed (${errorMessage(error)}); recreating the session`);
  }
  await recreateSession(ctx, name);
  return 'recreated';
}

export const resumeFilePath = (ctx: Context, session: string) => join(ctx.paths.resumeDir, `${session}-resume-id.txt`);

/** `<state_dir>/signals/<session>.done`: written by the Stop hook (`hook stop`), read and removed by reconcile. */
export const signalPath = (ctx: Pick<Context, 'paths'>, session: string) => join(ctx.paths.signalsDir, `${session}.done`);

/** The resume id saved for a session (by a swap or older tooling), validated; an invalid file is removed. */
export async function readResumeFile(ctx: Context, session: string): Promise<string | null> {
  const path = resumeFilePath(ctx, session);
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).slice(0, 200).trim();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    ctx.log.warn(`${path}: cannot read (${errorMessage(error)}); starting without --resume`);
    return null;
  }
  if (isUuid(text)) return text.toLowerCase();
  ctx.log.warn(`${path} does not hold a session UUID; removed, starting ${session} without --resume`);
  await rm(path, { force: true });
  return null;
}

/** Puts a consumed resume id back for the next launch (never over a newer file). */
async function restoreResumeFile(ctx: Context, session: string, resumeId: string): Promise<void> {
  try {
    await writeFileExclusive(resumeFilePath(ctx, session), resumeId + '\n', 0o600);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') ctx.log.warn(`${session}: could not restore its resume id: ${errorMessage(error)}`);
  }
}

/**
 * A launch was undone or failed, and its task is pending again at `pendingPath`: the conversation taken for it goes
 * back to the resume file AND stays reserved for that task in the session's (idle) `record`. A resume file without
 * the reservation would let the next dispatch type an unrelated task into that conversation. Without an id, or with
 * the task gone to failed/ (`pendingPath` null), the id is dropped.
 */
export async function keepConversation(
  ctx: Context,
  record: SessionRecord,
  session: string,
  resumeId: string | null,
  pendingPath: string | null,
): Promise<void> {
  if (resumeId === null || pendingPath === null) return;
  await restoreResumeFile(ctx, session, resumeId);
  record.resumeFor = pendingPath;
}

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
