import { randomBytes } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { activeAccount } from '../accounts/active-account.js';
import { failpoint } from '../base/failpoint.js';
import { createPaneBatcher } from './pane-batcher.js';
import type { LockHandle } from '../base/lock.js';
import { claimTask, listInbox, readTaskFile, type InboxTask } from '../queue/files.js';
import { queueStateOf } from '../queue/core/task-state.js';
import { isPoolSessionName, projectDirs, type Account } from '../base/core/config.js';
import { runsLocally } from '../delegation/core/markers.js';
import { planDispatch, type Assignment, type CandidateTask, type DispatchPlan, type SessionView } from './core/dispatch-plan.js';
import { errorMessage } from '../base/core/errors.js';
import { faultFix, faultWords } from '../base/core/fs-faults.js';
import { plural, table, type Style } from '../base/core/format.js';
import { claudeRunning, isShellCommand, readPane } from '../claude-code/core/screen.js';
import { decide, modelFor, taskMessage } from '../queue/core/routing.js';
import { asLifecycle, idleAfter, type LifecycleRecord } from './core/session-record.js';
import { idleSession, type State } from '../base/core/state.js';
import { parseTask } from '../queue/core/task.js';
import type { Context } from '../context.js';
import { launch, type LaunchOutcome } from './launch.js';
import type { ConversationStart } from '../claude-code/core/launch.js';
import { uuidV4 } from '../base/core/uuid.js';
import { keepConversation, readResumeFile, resumeFilePath } from './conversations.js';
import { recreateSession } from './recycle.js';
import { requeueOrFail } from './requeue.js';
import { signalPath } from './signals.js';

export interface DispatchOptions {
  dryRun: boolean;
}

export interface PlannedLaunch {
  session: string;
  project: string;
  task: string;
  priority: string;
  model: string;
}

export interface DispatchResult {
  dryRun: boolean;
  account: string;
  planned: PlannedLaunch[];
  launched: Array<PlannedLaunch & { resumed: boolean }>;
  failed: Array<PlannedLaunch & { reason: string; attempts: number; requeuedTo: string | null; failedTo: string | null }>;
  /** Another run claimed the task first (claim by rename): nothing was launched for it here. */
  lostRace: Array<{ session: string; task: string }>;
  idleSessions: string[];
  unavailable: DispatchPlan['unavailable'];
  waiting: number;
  /** `path`: the task in its inbox (`<project>/.agent-queue/inbox/T.md`), for errors about one task. */
  errors: Array<{ project: string; task?: string; path?: string; message: string; hint?: string }>;
}

/**
 * `dispatch`: gives local tasks to free pool sessions, one each, all launches in parallel. Runs under the state
 * lock from plan to commit, so two dispatch runs cannot pick the same session; the claim by rename keeps older
 * tooling from taking the same task. The assignment is written to the state (the intent) before the claim, so a
 * kill at any step leaves a record reconcile uses to finish or undo the launch.
 */
export async function run(options: DispatchOptions, ctx: Context): Promise<DispatchResult> {
  if (options.dryRun) {
    const state = await ctx.state.load();
    const prepared = await prepare(ctx, state);
    return { ...prepared.result, dryRun: true };
  }
  return ctx.withLock('dispatch', async (lock) => {
    const state = await ctx.state.load(lock);
    const prepared = await prepare(ctx, state);
    if (prepared.plan.assignments.length === 0) return prepared.result;
    return execute(ctx, state, lock, prepared);
  });
}

interface Prepared {
  plan: DispatchPlan;
  account: Account;
  result: DispatchResult;
}

async function prepare(ctx: Context, state: State): Promise<Prepared> {
  const errors: DispatchResult['errors'] = [];
  const tasks = await localTasks(ctx, errors);
  // A swap killed half way (journal present) leaves sessions and the active account in flux until reconcile
  // finishes or rolls it back: nothing is launched meanwhile, so no task starts under the account being left.
  if (state.swapJournal !== null) ctx.log.warn('an interrupted swap is pending (reconcile finishes it): no task is started until then');
  const sessions = state.swapJournal !== null ? [] : await sessionViews(ctx, state);
  const plan = planDispatch(tasks, sessions, {
    pool: ctx.config.pool.autonomous,
    dedicated: new Set(ctx.config.pool.dedicated.map((d) => d.session)),
    cooldownMs: ctx.config.dispatch.sessionCooldownMs,
    now: ctx.clock.now(),
  });
  const account = await activeAccount(ctx.config, state.activeAccount);
  const planned = plan.assignments.map((a) => describe(ctx, a));
  return {
    plan,
    account,
    result: {
      dryRun: false,
      account: account.name,
      planned,
      launched: [],
      failed: [],
      lostRace: [],
      idleSessions: plan.idle,
      unavailable: plan.unavailable,
      waiting: plan.waiting.length,
      errors,
    },
  };
}

const describe = (ctx: Context, a: Assignment): PlannedLaunch => ({
  session: a.session,
  project: a.task.project,
  task: a.task.name,
  priority: a.task.priority,
  model: modelFor(a.task.priority, ctx.config.dispatch.models),
});

/** Pending tasks that run locally (by routing, or because their delegation fell back), parsed; invalid ones are scan-inbox's. */
async function localTasks(ctx: Context, errors: DispatchResult['errors']): Promise<CandidateTask[]> {
  const delegation = ctx.delegation();
  const tasks: CandidateTask[] = [];
  for (const project of projectDirs(ctx.config)) {
    let entries: InboxTask[];
    try {
      entries = (await listInbox(project)).tasks;
    } catch (error) {
      errors.push({ project, message: `cannot list the inbox: ${errorMessage(error)}` });
      continue;
    }
    for (const entry of entries) {
      if (queueStateOf(entry) !== 'pending') continue;
      const read = await readTaskFile(entry.path);
      if (!read.ok) continue;
      const parsed = parseTask(read.text);
      if (!parsed.ok) continue;
      if (!runsLocally(decide(parsed.task.fields), delegation, entry.local)) continue;
      // Oldest first: the file's age decides among tasks of one priority.
      const info = await lstat(entry.path).catch(() => null);
      if (!info) continue;
      tasks.push({ project, name: entry.name, path: entry.path, priority: parsed.task.fields.priority, mtimeMs: info.mtimeMs });
    }
  }
  return tasks;
}

/** Every pool-range session known to tmux or the state, with one batched capture to spot a running Claude Code. */
async function sessionViews(ctx: Context, state: State): Promise<SessionView[]> {
  const pool = ctx.config.pool.autonomous;
  const existing = new Set(await ctx.tmux.listSessions());
  const names = [...new Set([...existing, ...Object.keys(state.sessions)])].filter((name) => isPoolSessionName(name, pool));
  const panes = await ctx.tmux.inspectMany(names.filter((name) => existing.has(name)));
  return names.map((name) => {
    const pane = panes.get(name);
    return {
      name,
      exists: existing.has(name) && pane !== null,
      record: state.sessions[name],
      claudeRunning: pane != null && claudeRunning(readPane(pane.text), isShellCommand(pane.command)),
    };
  });
}

async function execute(ctx: Context, state: State, lock: LockHandle, prepared: Prepared): Promise<DispatchResult> {
  const { plan, account, result } = prepared;
  const now = ctx.clock.now();
  const previous = new Map(plan.assignments.map((a) => [a.session, state.sessions[a.session]]));
  // A session reserved for a task that has left the queue holds a conversation nobody resumes: forget it before
  // that session takes another task, or the new task would be typed into the old conversation.
  for (const session of plan.staleReservations) {
    await rm(resumeFilePath(ctx, session), { force: true });
    const record = state.sessions[session];
    if (record) delete record.resumeFor;
    ctx.log.info(`${session}: its saved conversation belonged to a task no longer pending; dropped`);
  }
  const resumeIds = new Map<string, string | null>();
  for (const a of plan.assignments) resumeIds.set(a.session, await readResumeFile(ctx, a.session));
  // Every launch runs in a conversation whose id is known before Claude Code starts: the one it resumes, or a new
  // one under an id chosen here (`--session-id`). Recorded in the intent, so even a killed dispatch knows it.
  const conversations = new Map<string, ConversationStart>(plan.assignments.map((a) => {
    const resumeId = resumeIds.get(a.session) ?? null;
    return [a.session, resumeId !== null ? { kind: 'resume', id: resumeId } : { kind: 'new', id: uuidV4(randomBytes(16)) }];
  }));

  // Intent: the assignment is durable before anything else changes.
  for (const a of plan.assignments) {
    const record: LifecycleRecord = {
      state: 'working',
      task: `${a.task.path}.dispatched`,
      project: a.task.project,
      since: now.toISOString(),
      lastFail: previous.get(a.session)?.lastFail ?? null,
      attempts: (state.taskAttempts[a.task.path]?.count ?? 0) + 1,
      model: modelFor(a.task.priority, ctx.config.dispatch.models),
      account: account.name,
      home: account.home,
      taskName: a.task.name,
      submittedAt: null,
      paneDigest: null,
      paneChangedAt: null,
      conversationId: conversations.get(a.session)?.id ?? null,
      launch: { pid: process.pid, startedAt: now.toISOString(), pending: a.task.path, resumeId: resumeIds.get(a.session) ?? null },
    };
    state.sessions[a.session] = record;
  }
  await ctx.state.save(state, lock);
  failpoint('dispatch:after-intent');

  const claimed = await Promise.all(plan.assignments.map((a) => claimTask(a.task).catch((error: unknown) => {
    const fix = faultFix(error, dirname(a.task.path));
    result.errors.push({
      project: a.task.project, task: a.task.name, path: a.task.path, message: `cannot claim it: ${faultWords(error) ?? errorMessage(error)}`,
      ...(fix ? { hint: `${fix}; the task stays in the inbox, and reconcile frees the session held for it` } : {}),
    });
    return 'error' as const;
  })));
  failpoint('dispatch:after-claim');
  const toLaunch: Assignment[] = [];
  plan.assignments.forEach((a, i) => {
    if (typeof claimed[i] === 'string' && claimed[i] !== 'error') {
      toLaunch.push(a);
      return;
    }
    if (claimed[i] === null) {
      // Lost the rename race: another run has the task, the session is as it was.
      result.lostRace.push({ session: a.session, task: a.task.name });
      state.sessions[a.session] = previous.get(a.session) ?? idleSession(now);
    }
    // A claim that failed part way may or may not have renamed the file: the intent stays, and reconcile, which
    // looks at what is on disk, finishes or undoes it.
  });
  for (const a of toLaunch) {
    // The id now lives in the intent; a stale signal from an earlier run must not finish the new task.
    if (resumeIds.get(a.session)) await rm(resumeFilePath(ctx, a.session), { force: true });
    await rm(signalPath(ctx, a.session), { force: true });
  }

  const panes = createPaneBatcher(ctx.tmux);
  const outcomes = await Promise.all(toLaunch.map(async (a): Promise<LaunchOutcome> => {
    const message = await claimedMessage(ctx, a);
    if (!message.ok) return { ok: false, reason: message.reason, noConversation: false };
    return launch(ctx, {
      session: a.session,
      project: a.task.project,
      home: account.home,
      claudeCommand: ctx.config.dispatch.claudeCommand,
      model: modelFor(a.task.priority, ctx.config.dispatch.models),
      conversation: conversations.get(a.session) as ConversationStart,
      message: message.text,
    }, panes);
  }));
  await commit(ctx, state, toLaunch, outcomes, resumeIds, result);
  await ctx.state.save(state, lock);
  failpoint('dispatch:after-commit');
  return result;
}

/** The message is built from the claimed file itself: what runs is exactly what was claimed. */
async function claimedMessage(ctx: Context, a: Assignment): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  const read = await readTaskFile(`${a.task.path}.dispatched`);
  if (!read.ok) return { ok: false, reason: `cannot read the claimed task: ${read.reason}` };
  const parsed = parseTask(read.text);
  if (!parsed.ok) return { ok: false, reason: `the claimed task is no longer valid: ${parsed.reason}` };
  return { ok: true, text: taskMessage(a.task.name, parsed.task.body, ctx.config.dispatch.messageSuffix) };
}

async function commit(
  ctx: Context,
  state: State,
  launched: Assignment[],
  outcomes: LaunchOutcome[],
  resumeIds: Map<string, string | null>,
  result: DispatchResult,
): Promise<void> {
  const now = ctx.clock.now();
  for (const [i, a] of launched.entries()) {
    const outcome = outcomes[i] as LaunchOutcome;
    const record = asLifecycle(state.sessions[a.session] as LifecycleRecord);
    const planned = describe(ctx, a);
    if (outcome.ok) {
      record.launch = null;
      record.submittedAt = outcome.submittedAt;
      state.counters.dispatched++;
      result.launched.push({ ...planned, resumed: Boolean(resumeIds.get(a.session)) });
      ctx.log.info(`${a.session}: started ${a.task.name} (${planned.model}, ${a.task.project})`);
      continue;
    }
    ctx.log.warn(`${a.session}: launch of ${a.task.name} failed: ${outcome.reason}`);
    try {
      await undoFailedLaunch(ctx, state, a, record, outcome, resumeIds.get(a.session) ?? null, now, result);
    } catch (error) {
      // One session's trouble must not cost the other launches their record: the state is saved after this loop.
      // This session keeps its launch intent, which reconcile finishes or undoes from what is on disk.
      result.errors.push({ project: a.task.project, task: a.task.name, path: a.task.path, message: `undoing the failed launch in ${a.session} failed: ${errorMessage(error)}` });
      ctx.log.error(`${a.session}: undoing the failed launch of ${a.task.name} failed: ${errorMessage(error)}; reconcile will`);
    }
  }
}

/** A launch failed: a clean session, the task back to pending (or failed/), its conversation kept for the retry. */
async function undoFailedLaunch(
  ctx: Context,
  state: State,
  a: Assignment,
  record: LifecycleRecord,
  outcome: Extract<LaunchOutcome, { ok: false }>,
  resumeId: string | null,
  now: Date,
  result: DispatchResult,
): Promise<void> {
  try {
    await recreateSession(ctx, a.session);
  } catch (error) {
    ctx.log.warn(`${a.session}: could not recreate the session (${errorMessage(error)}); reconcile will`);
  }
  const requeued = await requeueOrFail(ctx, state, { claimed: record.task as string, project: a.task.project, session: a.session, reason: `launch failed: ${outcome.reason}` });
  const idle = idleAfter(record, now, now.toISOString());
  state.sessions[a.session] = idle;
  // An id this home does not know (`No conversation found`) is no conversation to keep.
  if (!outcome.noConversation) await keepConversation(ctx, idle, a.session, resumeId, requeued.pending);
  result.failed.push({ ...describe(ctx, a), reason: outcome.reason, attempts: requeued.attempts, requeuedTo: requeued.pending, failedTo: requeued.failedTo });
}

export function render(result: DispatchResult, style: Style): string {
  const parts: string[] = [];
  const rows = (result.dryRun ? result.planned : result.launched).map((l) => [l.session, l.task, l.priority, l.model, l.project]);
  parts.push(
    result.dryRun
      ? `${plural(result.planned.length, 'task')} would start under account ${result.account}` + style.yellow(' (dry run: nothing launched)')
      : `${plural(result.launched.length, 'task')} started under account ${result.account}` +
          (result.failed.length ? style.red(`, ${result.failed.length} failed to launch`) : '') +
          `; ${plural(result.waiting, 'task')} waiting, ${plural(result.idleSessions.length, 'free session')} left`,
  );
  if (rows.length > 0) parts.push(table(['SESSION', 'TASK', 'PRIORITY', 'MODEL', 'PROJECT'], rows));
  for (const f of result.failed) {
    const where = f.failedTo ? `→ ${f.failedTo}` : `back to pending (attempt ${f.attempts})`;
    parts.push(style.red(`launch failed: ${f.session} ${f.task}: ${f.reason} ${where}`));
  }
  for (const l of result.lostRace) parts.push(style.dim(`${l.task}: claimed by another run first; skipped`));
  for (const e of result.errors) parts.push(style.red(`error: ${e.path ?? e.project}: ${e.message}`) + (e.hint ? `\nhint: ${e.hint}` : ''));
  return parts.join('\n\n');
}

export const exitCode = (result: DispatchResult) => (result.errors.length > 0 || result.failed.length > 0 ? 1 : 0);
