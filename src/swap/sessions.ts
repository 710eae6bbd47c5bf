import { lstat, mkdir, readFile, rm } from 'node:fs/promises';
import { dedicatedConversation, registryLineages } from '../claude-code/pane-sessions.js';
import { matchEntriesToPanes } from '../claude-code/core/session-match.js';
import { descendantsIn, processAlive, processParents } from '../base/process.js';
import { paneRoots } from '../sessions/observe.js';
import { failpoint } from '../base/failpoint.js';
import { writeFileAtomic } from '../base/fs-atomic.js';
import { unclaimTask } from '../queue/files.js';
import { poolSessionNames } from '../base/core/config.js';
import { errorMessage } from '../base/core/errors.js';
import { isShellCommand, readPane } from '../claude-code/core/screen.js';
import { asLifecycle, idleAfter, recordedConversation, registryHomes } from '../sessions/core/session-record.js';
import { retiringSessions } from '../sessions/core/pool-plan.js';
import { idleSession, type SessionRecord, type State } from '../base/core/state.js';
import type { JournalSession, SwapJournal } from './core/journal.js';
import { resumeCommandLine, type SessionFacts } from './core/plan.js';
import type { Context } from '../context.js';
import { pollUntil } from '../base/clock.js';
import { resumeFilePath } from '../sessions/conversations.js';
import { failedSignalPath, signalPath } from '../sessions/signals.js';

/** The session side of a swap: what is running, stopping it, and bringing it back under a home. */

export interface SessionOutcome {
  session: string;
  kind: 'pool' | 'dedicated';
  resumeId: string | null;
  /** recreated: a fresh pool shell; resumed: `--resume` typed; at-shell: no id, left at the shell; left-running:
   *  never stopped (the swap was rolled back before it got there); failed: see error. */
  action: 'recreated' | 'resumed' | 'at-shell' | 'left-running' | 'failed';
  /** The task file put back in the inbox, for a pool session that was working. */
  requeued: string | null;
  error: string | null;
}

/**
 * Every configured session (pool range + dedicated) and every retiring pool session that exists, read with one
 * batched tmux call: its pane, the registry entry matched to it by process ancestry, the processes running in it, the
 * conversation a pool session's record names and, for a dedicated session no registry entry speaks for, the
 * conversation its process writes.
 */
export async function observeSwapSessions(ctx: Context, state: State): Promise<SessionFacts[]> {
  const existing = new Set(await ctx.tmux.listSessions());
  const dedicated = ctx.config.pool.dedicated;
  // Sessions a shrunk pool range left are still the tool's pool sessions until reconcile closes them.
  const retiring = retiringSessions(ctx.config.pool.autonomous, new Set(dedicated.map((d) => d.session)), Object.keys(state.sessions));
  const names = [...poolSessionNames(ctx.config.pool.autonomous), ...retiring, ...dedicated.map((d) => d.session)].filter((n) => existing.has(n));
  const panes = await ctx.tmux.inspectMany(names);
  const homes = registryHomes(ctx.config, state);
  const lineages = await registryLineages(homes);
  const registry = matchEntriesToPanes(lineages, paneRoots(panes));
  const parents = await processParents();
  // Conversations known to be someone else's: a dedicated session's process may write only one of the others.
  const claimed = new Set([
    ...lineages.map((l) => l.entry.sessionId),
    ...Object.values(state.sessions).flatMap((r) => [recordedConversation(r), asLifecycle(r).launch?.resumeId ?? null]).filter((id): id is string => id !== null),
  ]);
  const nowMs = ctx.clock.now().getTime();
  const facts = await Promise.all(names.map(async (name): Promise<SessionFacts | null> => {
    const pane = panes.get(name);
    if (pane == null) return null; // vanished since the listing: nothing to stop, nothing to bring back
    const reading = readPane(pane.text);
    const entry = registry.get(name);
    const project = dedicated.find((d) => d.session === name)?.project ?? null;
    const written = project !== null && !entry
      ? (await dedicatedConversation({ panePid: pane.panePid, project, homes, registryId: null, claimed, paneHint: null, nowMs }, parents))?.id ?? null
      : null;
    return {
      name,
      kind: project === null ? 'pool' : 'dedicated',
      project,
      record: state.sessions[name],
      registry: entry ? { sessionId: entry.sessionId, cwd: entry.cwd } : null,
      recorded: project === null ? recordedConversation(state.sessions[name]) : null,
      written,
      paneHint: reading.resumeHint,
      menu: reading.menu,
      // A run started by a pane's own hook (check-quota from StopFailure) may still be that pane's descendant until
      // the hook exits: the stop waits for everything else there, never for itself.
      processes: pane.panePid === null ? [] : descendantsIn(parents, pane.panePid).filter((pid) => pid !== process.pid),
    };
  }));
  return facts.filter((f): f is SessionFacts => f !== null);
}

/** `<resume_dir>/<session>-resume-id.txt` for every session with a conversation to resume (atomic writes). */
export async function writeResumeFiles(ctx: Context, sessions: readonly JournalSession[]): Promise<void> {
  const withIds = sessions.filter((s) => s.resumeId !== null);
  if (withIds.length === 0) return;
  await mkdir(ctx.paths.resumeDir, { recursive: true, mode: 0o700 });
  await Promise.all(withIds.map((session) => writeFileAtomic(resumeFilePath(ctx, session.name), `${session.resumeId}\n`, 0o600)));
}

/** Removes a resume file this swap wrote, and only if it still holds the id we wrote (never a newer one). */
async function forgetResumeFile(ctx: Context, session: JournalSession): Promise<void> {
  if (session.resumeId === null) return;
  const path = resumeFilePath(ctx, session.name);
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text?.trim().toLowerCase() === session.resumeId) await rm(path, { force: true });
}

async function atShell(ctx: Context, name: string): Promise<boolean> {
  const pane = (await ctx.tmux.inspectMany([name])).get(name);
  return pane == null || isShellCommand(pane.command);
}

/** How long the stopped Claude Codes get to exit before their conversations are resumed elsewhere. */
const EXIT_WAIT_MS = 5000;

/**
 * Dismisses open menus (Escape), then kills the configured sessions named in the journal, and nothing else:
 * every target is exact. Then waits (bounded) until the processes that ran in their panes have exited, so a
 * conversation is never resumed while its old process may still be writing to it (on every release: the wait is
 * on the processes, not on a registry some releases do not keep).
 */
export async function stopSessions(ctx: Context, sessions: readonly JournalSession[], menus: readonly string[], processes: readonly number[]): Promise<void> {
  // Every session at once: a fleet of twelve must not take twelve times as long to stop as one.
  await Promise.all(menus.map((name) => ctx.tmux.sendKeys(name, 'Escape').catch((error: unknown) => ctx.log.debug(`${name}: Escape failed (${errorMessage(error)})`))));
  await ctx.tmux.killSessions(sessions.map((s) => s.name));
  for (const session of sessions) ctx.log.info(`${session.name}: stopped for the swap${session.resumeId ? ` (conversation ${session.resumeId} saved)` : ''}`);
  // Asked often: a Claude Code leaves within tens of milliseconds of its session, and the swap waits on the last.
  const gone = await pollUntil(ctx.clock, EXIT_WAIT_MS, 25, async () => (processes.some((pid) => processAlive(pid)) ? undefined : true));
  if (!gone) ctx.log.warn(`some stopped Claude Code processes had not exited after ${EXIT_WAIT_MS / 1000}s; continuing`);
}

/**
 * Which of the journal's sessions a swap interrupted while stopping them did stop: those gone from tmux, and a pool
 * session that was working and whose pane is back at its shell (its Claude Code is gone: it was stopped and brought
 * back by a run that could not record it). What still runs was never stopped.
 */
export async function stoppedSessions(ctx: Context, sessions: readonly JournalSession[]): Promise<Set<string>> {
  const existing = new Set(await ctx.tmux.listSessions());
  const working = sessions.filter((s) => s.kind === 'pool' && s.task !== null && existing.has(s.name)).map((s) => s.name);
  const panes = working.length > 0 ? await ctx.tmux.inspectMany(working) : new Map<string, null>();
  return new Set(sessions.filter((s) => !existing.has(s.name) || isShellCommand(panes.get(s.name)?.command)).map((s) => s.name));
}

/**
 * The stopped sessions that are gone, created again in one tmux call. Those it could not create are left to the
 * per-session step, which creates each on its own and reports its own failure.
 */
async function createMissing(ctx: Context, sessions: readonly JournalSession[]): Promise<Set<string>> {
  if (sessions.length === 0) return new Set();
  try {
    await ctx.tmux.newSessions(sessions.map((s) => ({ name: s.name, cwd: s.cwd })));
    return new Set(sessions.map((s) => s.name));
  } catch (error) {
    ctx.log.debug(`recreating ${sessions.length} sessions at once failed (${errorMessage(error)}); one by one`);
    const live = new Set(await ctx.tmux.listSessions());
    return new Set(sessions.filter((s) => live.has(s.name)).map((s) => s.name));
  }
}

/**
 * Puts a claimed task back in the inbox (unclaimTask finishes one a killed run left half done). A task already back
 * under its own name was put there by a run of this swap whose record of it was lost: it is the one to give back.
 */
async function requeueClaimed(claimed: string): Promise<string | null> {
  const held = await lstat(claimed).catch(() => null);
  if (held) return unclaimTask(claimed);
  const pending = claimed.replace(/\.dispatched$/, '');
  return (await lstat(pending).catch(() => null)) ? pending : null; // null: finished and moved by reconcile
}

/**
 * Brings the journal's sessions back under `home`, idempotently, so a killed run is finished by the next one:
 * - a session the swap never stopped is left running (only the resume file written for it goes);
 * - pool sessions come back as fresh shells, idle; the task each was working on goes back to the inbox without
 *   counting an attempt (a usage limit is not the task's fault) and resumes with `--resume` at its next dispatch;
 * - dedicated sessions come back in their folder and, with a saved id, resume their conversation under `home` —
 *   typed at most once (the intent is saved first); without an id they stay at the shell.
 * `save` persists the state (with the journal) under the caller's lock.
 */
export async function restoreSessions(ctx: Context, state: State, journal: SwapJournal, home: string, save: () => Promise<void>): Promise<SessionOutcome[]> {
  const outcomes: SessionOutcome[] = [];
  const outcome = (s: JournalSession, action: SessionOutcome['action'], extra: Partial<SessionOutcome> = {}): void =>
    void outcomes.push({ session: s.name, kind: s.kind, resumeId: s.resumeId, action, requeued: null, error: null, ...extra });
  const pending = journal.sessions.filter((s) => !s.done);
  // One listing for the pass (only the stopped sessions may need creating): only this run, under the lock, creates
  // them, each at most once.
  const existing = new Set(pending.some((s) => s.stopped) ? await ctx.tmux.listSessions() : []);

  for (const s of pending.filter((p) => !p.stopped)) {
    await forgetResumeFile(ctx, s);
    s.done = true;
    outcome(s, 'left-running');
  }
  const created = await createMissing(ctx, pending.filter((s) => s.stopped && !existing.has(s.name)));
  const bringBack = async (s: JournalSession) => {
    if (!existing.has(s.name) && !created.has(s.name)) await ctx.tmux.newSession(s.name, { cwd: s.cwd });
  };

  // Pool sessions: release their records first (saved), then the tasks, then fresh shells.
  const pool = pending.filter((s) => s.stopped && s.kind === 'pool');
  const now = ctx.clock.now();
  for (const s of pool) {
    const record = state.sessions[s.name];
    // A record written after the swap began belongs to a later dispatch, not to this swap.
    if (record && Date.parse(record.since) <= Date.parse(journal.startedAt)) state.sessions[s.name] = idleAfter(record, now);
  }
  if (pool.length > 0) await save();
  // Side by side: each pool session is its own task file and its own tmux session.
  await Promise.all(pool.map(async (s) => {
    try {
      const heldElsewhere = s.task !== null && Object.values(state.sessions).some((r) => r.task === s.task);
      const requeued = s.task !== null && !heldElsewhere ? await requeueClaimed(s.task) : null;
      await bringBack(s);
      state.sessions[s.name] ??= idleSession(now);
      // The saved conversation is this task's: dispatch gives the task back to this session, and nothing else to it.
      if (requeued && s.resumeId !== null) (state.sessions[s.name] as SessionRecord).resumeFor = requeued;
      // Without its task the conversation is nobody's: a resume file with no reservation would take the next task.
      if (!requeued) await forgetResumeFile(ctx, s);
      // A fresh shell: no turn of the stopped Claude Code (finished or failed) may speak for the next one.
      await rm(signalPath(ctx, s.name), { force: true });
      await rm(failedSignalPath(ctx, s.name), { force: true });
      if (requeued) ctx.log.info(`${s.name}: ${requeued} back in the inbox${s.resumeId ? `; it resumes conversation ${s.resumeId} at its next dispatch` : ''}`);
      outcome(s, 'recreated', { requeued });
    } catch (error) {
      ctx.log.error(`${s.name}: could not be brought back: ${errorMessage(error)}`);
      outcome(s, 'failed', { error: errorMessage(error) });
    }
    s.done = true;
  }));
  if (pool.length > 0) await save();
  failpoint('swap-account:after-pool');

  // Dedicated sessions: the intent to type each resume line is saved once for all of them before any is typed, so a
  // killed run never types one twice, and a fleet of several does not pay one state save per session.
  const dedicated = pending.filter((p) => p.stopped && p.kind === 'dedicated');
  const toType = dedicated.filter((s) => s.resumeId !== null && !s.launching);
  for (const s of toType) s.launching = true;
  if (toType.length > 0) await save();
  await Promise.all(dedicated.map(async (s) => {
    try {
      await bringBack(s);
      if (s.resumeId === null) {
        ctx.log.warn(`${s.name}: no conversation id was found; left at its shell (never launched blind)`);
        outcome(s, 'at-shell');
      } else if (!toType.includes(s)) {
        // A previous run typed it and was killed before recording that it had: never type it twice.
        outcome(s, 'resumed');
      } else if (existing.has(s.name) && !(await atShell(ctx, s.name))) {
        // Brought back already by a run that could not record it (a disk that refused the write): something runs
        // there, and a command line typed into a running program would reach it as input.
        ctx.log.info(`${s.name}: already running a program; the resume line is not typed again`);
        outcome(s, 'left-running');
      } else {
        await ctx.tmux.sendLine(s.name, resumeCommandLine({ cwd: s.cwd, home, claudeCommand: ctx.config.dispatch.claudeCommand, resumeId: s.resumeId }));
        failpoint('swap-account:after-dedicated-launch');
        ctx.log.info(`${s.name}: resuming conversation ${s.resumeId} under ${home}`);
        outcome(s, 'resumed');
      }
    } catch (error) {
      ctx.log.error(`${s.name}: could not be brought back: ${errorMessage(error)}`);
      outcome(s, 'failed', { error: errorMessage(error) });
    }
    s.done = true;
  }));
  if (dedicated.length > 0) await save();
  // Reported in the journal's order, whichever session came back first.
  const order = journal.sessions.map((s) => s.name);
  return outcomes.sort((x, y) => order.indexOf(x.session) - order.indexOf(y.session));
}
