import { access, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { failpoint } from '../base/failpoint.js';
import type { LockHandle } from '../base/lock.js';
import { moveWithFooter } from '../queue/files.js';
import { judgeCompletion, PANE_GRACE_MS, type Evidence, type Verdict } from './core/completion.js';
import { isPoolSessionName } from '../base/core/config.js';
import { formatDuration } from '../base/core/duration.js';
import { FailoverError, errorMessage, unreachable } from '../base/core/errors.js';
import { plural, type Style } from '../base/core/format.js';
import { paneDigest, type PaneReading } from '../claude-code/core/screen.js';
import { sessionsToCreate } from './core/pool-plan.js';
import { recoverLaunch } from './core/recovery.js';
import { asLifecycle, idleAfter, pendingPathOf, type LifecycleRecord } from './core/session-record.js';
import { idleSession, type State } from '../base/core/state.js';
import { findSubmission, turnEndSince } from '../claude-code/core/transcript.js';
import { turnFailure, type FailureEvidence } from './core/turn-outcome.js';
import { isAnswer } from '../claude-code/core/turn-record.js';
import type { Context } from '../context.js';
import { observe, recapture, type SessionObservation } from './observe.js';
import { finishOrRollBackSwap, type SwapRecovery } from '../swap/recovery.js';
import { keepConversation } from './conversations.js';
import { exitClaude, recreateSession } from './recycle.js';
import { forgetTask, requeueOrFail } from './requeue.js';
import { failedSignalPath, readFailedSignal, signalPath } from './signals.js';
import { clearLoginFailure } from '../accounts/login-failure.js';
import { noOwnership, reclaim, renderOwnership, retiringNames, settle, type OwnershipReport } from './ownership.js';

export interface ReconcileOptions {
  dryRun: boolean;
}

interface TaskRef {
  session: string;
  task: string;
  project: string | null;
}

export interface ReconcileResult {
  dryRun: boolean;
  swap: SwapRecovery;
  /** Interrupted dispatches: promoted (the task was running), undone (never claimed), requeued (never submitted). */
  recovered: Array<TaskRef & { action: 'promoted' | 'undone' | 'requeued'; reason: string | null }>;
  finished: Array<TaskRef & { evidence: Evidence; movedTo: string | null; recycle: 'exited' | 'recreated' | 'none' | null }>;
  requeued: Array<TaskRef & { reason: string; attempts: number | null; requeuedTo: string | null; failedTo: string | null }>;
  stalled: Array<TaskRef & { idleFor: string }>;
  /** The turn ended in a usage limit: left for check-quota / swap, never reported done. */
  limited: Array<TaskRef & { evidence: FailureEvidence }>;
  /** The turn ended in a failed login: left for check-quota, which marks the account and swaps away. */
  loginFailed: Array<TaskRef & { evidence: FailureEvidence; message: string }>;
  /** Sessions set idle without a task to finish (dedicated sessions, or a task that left the inbox meanwhile). */
  released: Array<{ session: string; reason: string }>;
  created: string[];
  /** Where the state and the world disagreed: claims re-owned or given back, sessions gone together, retired. */
  ownership: OwnershipReport;
  errors: Array<{ session?: string; message: string; hint?: string }>;
}

/** How long reconcile waits before its second look at a pane that seems finished. */
export const PANE_CONFIRM_MS = 700;

/**
 * `reconcile`: the lifecycle + watcher pass. Under the lock: finish or roll back a killed swap
 * (hook), set the state right where it and the queue's files or tmux disagree (ownership.ts), finish or undo killed
 * dispatches, then judge every working session (finished → done/ + `/exit`; died →
 * re-queue + recreate; stuck → stalled), then create missing pool sessions up to `min` and close retiring ones. The state is written only
 * when something changed, so a second run in a row changes nothing.
 */
export async function run(options: ReconcileOptions, ctx: Context): Promise<ReconcileResult> {
  if (options.dryRun) return pass(ctx, await ctx.state.load(), true);
  return ctx.withLock('reconcile', async (lock) => {
    const state = await ctx.state.load(lock);
    const before = JSON.stringify(state);
    const result = await pass(ctx, state, false, lock);
    if (JSON.stringify(state) !== before) await ctx.state.save(state, lock);
    return result;
  });
}

async function pass(ctx: Context, state: State, dryRun: boolean, lock?: LockHandle): Promise<ReconcileResult> {
  const result: ReconcileResult = { dryRun, swap: { action: 'none', detail: null }, recovered: [], finished: [], requeued: [], stalled: [], limited: [], loginFailed: [], released: [], created: [], ownership: noOwnership(), errors: [] };
  if (!dryRun && lock) result.swap = await finishOrRollBackSwap(ctx, state, lock);

  const pool = ctx.config.pool.autonomous;
  const dedicated = new Set(ctx.config.pool.dedicated.map((d) => d.session));
  const tmuxSessions = new Set(await ctx.tmux.listSessions());
  const step = async (session: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      result.errors.push({ session, message: errorMessage(error), ...(error instanceof FailoverError && error.hint ? { hint: error.hint } : {}) });
      ctx.log.error(`${session}: ${errorMessage(error)}`);
    }
  };
  await step('pool', () => reclaim(ctx, state, result.ownership, dryRun, tmuxSessions));
  const retiring = new Set(retiringNames(ctx, state));
  const names = Object.keys(state.sessions).filter((name) => isPoolSessionName(name, pool) || dedicated.has(name) || retiring.has(name));
  for (const name of dedicated) if (!names.includes(name)) names.push(name);
  const seen = await observe(ctx, state, names, tmuxSessions);

  for (const name of names) {
    const record = state.sessions[name];
    if (record && asLifecycle(record).launch) await step(name, () => recoverInterrupted(ctx, state, seen.get(name) as SessionObservation, result, dryRun));
  }
  const verdicts = await judgeAll(ctx, state, names, seen);
  for (const [name, verdict] of verdicts) await step(name, () => apply(ctx, state, seen.get(name) as SessionObservation, verdict, dedicated.has(name), result, dryRun));
  for (const name of dedicated) {
    if (!seen.get(name)?.signalAtMs || state.sessions[name]?.task) continue;
    // A dedicated session's turn ended: it is only marked idle, never sent /exit, never given a task.
    await step(name, async () => {
      const record = state.sessions[name];
      if (record && record.state !== 'idle') {
        result.released.push({ session: name, reason: 'dedicated session finished its turn' });
        if (!dryRun) state.sessions[name] = idleAfter(record, ctx.clock.now());
      }
      if (!dryRun) await rm(signalPath(ctx, name), { force: true });
    });
  }
  // Listed again: sessions recreated above count as present.
  const present = dryRun ? tmuxSessions : new Set(await ctx.tmux.listSessions());
  for (const name of sessionsToCreate(pool, present)) {
    await step(name, async () => {
      result.created.push(name);
      if (dryRun) return;
      await ctx.tmux.newSession(name, { cwd: ctx.home });
      failpoint('reconcile:after-create');
      state.sessions[name] ??= idleSession(ctx.clock.now());
    });
  }
  // A pool session that exists without a record (created by a killed run, or by hand) is a fresh, idle one.
  if (!dryRun) {
    for (const name of present) if (isPoolSessionName(name, pool) && !state.sessions[name]) state.sessions[name] = idleSession(ctx.clock.now());
  }
  await step('pool', () => settle(ctx, state, result.ownership, dryRun, result.finished, result.requeued));
  return result;
}

/** A verdict after the second look: `confirm` never reaches apply. */
type FinalVerdict = Exclude<Verdict, { kind: 'confirm' }>;

/** Judges every session holding a task; panes that alone say "finished" get a second look before it counts. */
async function judgeAll(ctx: Context, state: State, names: string[], seen: Map<string, SessionObservation>): Promise<Map<string, FinalVerdict>> {
  const verdicts = new Map<string, FinalVerdict>();
  const holding = names.filter((name) => {
    const record = state.sessions[name];
    return record && record.task && (record.state === 'working' || record.state === 'stalled') && !asLifecycle(record).launch;
  });
  const failedSignals = new Map(await Promise.all(holding.map(async (name) => [name, await readFailedSignal(failedSignalPath(ctx, name))] as const)));
  const judge = (name: string, panes: PaneReading[]) => {
    const record = asLifecycle(state.sessions[name] as LifecycleRecord);
    const obs = seen.get(name) as SessionObservation;
    const submittedAtMs = Date.parse(record.submittedAt ?? record.since);
    const now = ctx.clock.now();
    const latest = panes[panes.length - 1];
    const turnEnd = obs.transcript ? turnEndSince(obs.transcript, submittedAtMs) : null;
    const failure = turnFailure({
      submittedAtMs,
      doneAtMs: obs.signalAtMs,
      failedSignal: failedSignals.get(name) ?? null,
      record: turnEnd,
      pane: obs.pane,
      // Claude Code idle, whatever its input box holds (2.1.328 pre-fills it after a failed login).
      paneIdle: panes.length > 0 && panes.every((p) => p.claudeUi && !p.busy && !p.menu) && now.getTime() - submittedAtMs >= PANE_GRACE_MS,
      paneLimit: latest?.limitBanner === true,
      now,
    });
    return judgeCompletion({
      sessionExists: obs.exists,
      signalAtMs: obs.signalAtMs,
      registry: obs.registry ? { status: obs.registry.status, statusUpdatedAt: obs.registry.statusUpdatedAt } : null,
      panes,
      atShell: obs.atShell,
      failure,
      answerRecorded: obs.transcript === null ? null : isAnswer(turnEnd),
      submittedAtMs,
      nowMs: now.getTime(),
      digest: obs.pane === null ? null : paneDigest(obs.pane),
      previousDigest: record.paneDigest ?? null,
      paneChangedAtMs: record.paneChangedAt ? Date.parse(record.paneChangedAt) : null,
      idleTimeoutMs: ctx.config.completion.idleTimeoutMs,
    });
  };
  const confirm: string[] = [];
  for (const name of holding) {
    const reading = seen.get(name)?.reading;
    const verdict = judge(name, reading ? [reading] : []);
    if (verdict.kind === 'confirm') confirm.push(name);
    else verdicts.set(name, verdict);
  }
  if (confirm.length > 0) {
    await ctx.clock.sleep(PANE_CONFIRM_MS);
    const second = await recapture(ctx, confirm);
    for (const name of confirm) {
      const first = seen.get(name)?.reading as PaneReading;
      const again = second.get(name);
      const verdict = judge(name, again ? [first, again] : [first]);
      verdicts.set(name, verdict.kind === 'confirm' ? { kind: 'working', digestChanged: false } : verdict);
    }
  }
  return verdicts;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

async function recoverInterrupted(ctx: Context, state: State, obs: SessionObservation, result: ReconcileResult, dryRun: boolean): Promise<void> {
  const record = asLifecycle(state.sessions[obs.name] as LifecycleRecord);
  const intent = record.launch!;
  const claimed = record.task as string;
  const taskName = record.taskName ?? basename(pendingPathOf(claimed));
  const submission = obs.transcript ? findSubmission(obs.transcript, taskName, Date.parse(intent.startedAt)) : null;
  const action = recoverLaunch({
    claimedExists: await exists(claimed),
    sessionExists: obs.exists,
    submitted: submission !== null || obs.registry?.status === 'busy' || obs.reading?.busy === true,
  });
  const ref = { session: obs.name, task: taskName, project: record.project };
  const now = ctx.clock.now();
  if (action.kind === 'promote') {
    result.recovered.push({ ...ref, action: 'promoted', reason: null });
    if (dryRun) return;
    record.launch = null;
    record.submittedAt = typeof submission?.timestamp === 'string' ? submission.timestamp : intent.startedAt;
    state.counters.dispatched++;
    return;
  }
  result.recovered.push({ ...ref, action: action.kind === 'undo' ? 'undone' : 'requeued', reason: action.reason });
  if (dryRun) return;
  if (action.kind === 'undo') {
    const idle = idleAfter(record, now);
    state.sessions[obs.name] = idle;
    // Never claimed: the task is still pending where the intent found it, and its conversation stays its own.
    await keepConversation(ctx, idle, obs.name, intent.resumeId, intent.pending);
    return;
  }
  // Whatever was half typed into that Claude Code must never be submitted: the session is recreated first.
  await recreateSession(ctx, obs.name);
  const requeued = await requeueOrFail(ctx, state, { claimed, project: record.project as string, session: obs.name, reason: action.reason });
  failpoint('reconcile:after-requeue');
  const idle = idleAfter(record, now);
  state.sessions[obs.name] = idle;
  await keepConversation(ctx, idle, obs.name, intent.resumeId, requeued.pending);
  result.requeued.push({ ...ref, reason: action.reason, attempts: requeued.attempts, requeuedTo: requeued.pending, failedTo: requeued.failedTo });
}

async function apply(ctx: Context, state: State, obs: SessionObservation, verdict: FinalVerdict, isDedicated: boolean, result: ReconcileResult, dryRun: boolean): Promise<void> {
  const record = asLifecycle(state.sessions[obs.name] as LifecycleRecord);
  const claimed = record.task as string;
  const ref = { session: obs.name, task: record.taskName ?? claimed, project: record.project };
  const now = ctx.clock.now();

  const claimedExists = await exists(claimed);
  if (!claimedExists) {
    // The claimed file left the inbox (a previous reconcile finished it and was killed, or could not save the state,
    // or an operator moved it): nothing to give back, and a session at its shell after that task's /exit is no death.
    result.released.push({ session: obs.name, reason: `${ref.task} is no longer claimed in the inbox` });
    if (dryRun) return;
    if (!isDedicated && obs.reading?.claudeUi) await exitClaude(ctx, obs.name);
    await forgetTask(state, claimed);
    state.sessions[obs.name] = idleAfter(record, now);
    await rm(signalPath(ctx, obs.name), { force: true });
    return;
  }
  switch (verdict.kind) {
    case 'finished': {
      const entry: ReconcileResult['finished'][number] = { ...ref, evidence: verdict.evidence, movedTo: null, recycle: null };
      result.finished.push(entry);
      if (dryRun) return;
      entry.movedTo = await moveWithFooter(claimed, record.project as string, 'done', {
        session: obs.name,
        account: record.account,
        model: record.model,
        duration: formatDuration(now.getTime() - Date.parse(record.submittedAt ?? record.since)),
        'finished (evidence)': verdict.evidence,
        at: now.toISOString(),
      });
      failpoint('reconcile:after-finish-move');
      await forgetTask(state, claimed);
      // A turn that worked proves the account's login works again.
      if (typeof record.account === 'string') clearLoginFailure(ctx, state, record.account, `a turn on it succeeded (${obs.name})`);
      entry.recycle = isDedicated ? 'none' : await exitClaude(ctx, obs.name);
      failpoint('reconcile:after-exit');
      state.sessions[obs.name] = idleAfter(record, now);
      await rm(signalPath(ctx, obs.name), { force: true });
      ctx.log.info(`${obs.name}: ${ref.task} finished (${verdict.evidence}) → ${entry.movedTo}`);
      return;
    }
    case 'died': {
      const entry: ReconcileResult['requeued'][number] = { ...ref, reason: verdict.reason, attempts: null, requeuedTo: null, failedTo: null };
      result.requeued.push(entry);
      if (dryRun) return;
      if (claimedExists) {
        const requeued = await requeueOrFail(ctx, state, { claimed, project: record.project as string, session: obs.name, reason: `session died while working: ${verdict.reason}` });
        Object.assign(entry, { attempts: requeued.attempts, requeuedTo: requeued.pending, failedTo: requeued.failedTo });
      }
      failpoint('reconcile:after-requeue');
      state.sessions[obs.name] = idleAfter(record, now, now.toISOString());
      if (!isDedicated) await recreateSession(ctx, obs.name);
      return;
    }
    case 'stalled':
      result.stalled.push({ ...ref, idleFor: formatDuration(verdict.idleMs) });
      if (!dryRun && record.state !== 'stalled') {
        record.state = 'stalled';
        record.since = now.toISOString();
        ctx.log.warn(`${obs.name}: ${ref.task} shows no progress for ${formatDuration(verdict.idleMs)}: stalled`);
        await ctx.notify({
          event: 'session-stalled',
          at: now.toISOString(),
          message: `${obs.name}: ${ref.task} shows no progress for ${formatDuration(verdict.idleMs)}`,
          session: obs.name,
          task: ref.task,
          project: record.project,
        });
      }
      return;
    case 'limited':
      result.limited.push({ ...ref, evidence: verdict.evidence });
      return;
    case 'login-failed':
      result.loginFailed.push({ ...ref, evidence: verdict.evidence, message: verdict.message });
      return;
    case 'failed': {
      const reason = `the turn ended in an API error (${verdict.evidence}): ${verdict.message}`;
      const entry: ReconcileResult['requeued'][number] = { ...ref, reason, attempts: null, requeuedTo: null, failedTo: null };
      result.requeued.push(entry);
      if (dryRun) return;
      const requeued = await requeueOrFail(ctx, state, { claimed, project: record.project as string, session: obs.name, reason });
      Object.assign(entry, { attempts: requeued.attempts, requeuedTo: requeued.pending, failedTo: requeued.failedTo });
      failpoint('reconcile:after-failed-turn-requeue');
      if (!isDedicated) await exitClaude(ctx, obs.name);
      // lastFail starts the session's cooldown: the next attempt waits `session_cooldown`.
      state.sessions[obs.name] = idleAfter(record, now, now.toISOString());
      await Promise.all([rm(signalPath(ctx, obs.name), { force: true }), rm(failedSignalPath(ctx, obs.name), { force: true })]);
      return;
    }
    case 'working':
      if (dryRun) return;
      if (record.state === 'stalled' && verdict.digestChanged) {
        record.state = 'working';
        record.since = now.toISOString();
      }
      if (verdict.digestChanged && obs.pane !== null) {
        record.paneDigest = paneDigest(obs.pane);
        record.paneChangedAt = now.toISOString();
      }
      return;
    default:
      unreachable(verdict, 'completion verdict');
  }
}

export function render(result: ReconcileResult, style: Style): string {
  const lines: string[] = [];
  const summary = [
    `${plural(result.finished.length, 'task')} finished`,
    `${result.requeued.length} re-queued`,
    `${result.stalled.length} stalled`,
    `${plural(result.created.length, 'session')} created`,
  ];
  lines.push(summary.join(', ') + (result.dryRun ? style.yellow(' (dry run: nothing changed)') : ''));
  if (result.swap.action !== 'none') lines.push(style.yellow(`swap journal: ${result.swap.action} (${result.swap.detail ?? ''})`));
  lines.push(...renderOwnership(result.ownership, style));
  for (const r of result.recovered) lines.push(`interrupted dispatch ${r.session} ${r.task}: ${r.action}${r.reason ? ` (${r.reason})` : ''}`);
  for (const f of result.finished) lines.push(style.green(`done: ${f.session} ${f.task} (${f.evidence})${f.movedTo ? ` → ${f.movedTo}` : ''}`));
  for (const q of result.requeued) {
    const where = q.failedTo ? `→ ${q.failedTo}` : q.requeuedTo ? `back to pending (attempt ${q.attempts})` : '';
    lines.push(style.yellow(`re-queued: ${q.session} ${q.task}: ${q.reason} ${where}`.trimEnd()));
  }
  for (const s of result.stalled) lines.push(style.yellow(`stalled: ${s.session} ${s.task}: no progress for ${s.idleFor}`));
  for (const l of result.limited) lines.push(style.yellow(`usage limit: ${l.session} ${l.task} (${l.evidence}): left for check-quota`));
  for (const l of result.loginFailed) lines.push(style.red(`login failed: ${l.session} ${l.task} (${l.evidence}): ${l.message}; left for check-quota`));
  for (const r of result.released) lines.push(`idle: ${r.session}: ${r.reason}`);
  if (result.created.length) lines.push(`created: ${result.created.join(', ')}`);
  for (const e of result.errors) lines.push(style.red(`error: ${e.session ?? ''}: ${e.message}`) + (e.hint ? `\nhint: ${e.hint}` : ''));
  return lines.join('\n');
}

export const exitCode = (result: ReconcileResult) => (result.errors.length > 0 ? 1 : 0);
