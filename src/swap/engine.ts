/**
 * The swap itself, callable under a lock its caller already holds (swap-account takes it; check-quota
 * swaps inside its own run). Every step is journaled in state.swapJournal before its side effect; a failure rolls
 * back, and a kill is finished or rolled back by reconcile (reconcile-swap.ts) with the same functions.
 */

import { randomUUID } from 'node:crypto';
import { activeAccount } from '../accounts/active-account.js';
import { failpoint } from '../base/failpoint.js';
import type { LockHandle } from '../base/lock.js';
import { linkPosition, realSwapLinks, targetLinksError, type SwapLinks } from './links.js';
import { requireActiveLink } from '../accounts/symlinks.js';
import type { Account } from '../base/core/config.js';
import { ExitCode, FailoverError, errorMessage, unreachable, usageError } from '../base/core/errors.js';
import { plural } from '../base/core/format.js';
import { faultFix, fsFault, fsFaultCode, systemFault } from '../base/core/fs-faults.js';
import { pushBounded, SWAP_HISTORY, type State, type SwapRecord } from '../base/core/state.js';
import { needsFlipBack, type SwapJournal } from './core/journal.js';
import { chooseTarget, planSwapSessions, type SessionPlan, type TargetChoice } from './core/plan.js';
import type { Context } from '../context.js';
import { FaultTolerantWrites, reserveJournalRoom, strictPersist, type Persist } from './journal-room.js';
import { observeSwapSessions, restoreSessions, stopSessions, stoppedSessions, writeResumeFiles, type SessionOutcome } from './sessions.js';

export interface SwapRequest {
  /** `--to NAME`, or null for the next account in order that is not exhausted. */
  to: string | null;
  /**
   * The account the caller judged it must leave, read before it waited for the lock. Found already left under the
   * lock (another run swapped meanwhile), the swap does nothing instead of going there and back. Null: whatever
   * is active (a `--to` swap says where to be, not what to leave).
   */
  leaving?: string | null;
  reason: string;
  by: 'swap-account' | 'check-quota';
  dryRun?: boolean;
}

export interface SwapReport {
  /**
   * swapped; planned (dry run); already-active: the target is the active account (the link was only checked or
   * set); already-left: another run had left `from` already (`to` is the active account); nothing was done.
   */
  status: 'swapped' | 'planned' | 'already-active' | 'already-left';
  from: string;
  to: string;
  reason: string;
  at: string;
  warnings: string[];
  /** Shared-state links created on the target home. */
  linksFixed: string[];
  /** What the swap stops (dry run) or what became of each stopped session. */
  plan: SessionPlan['sessions'];
  sessions: SessionOutcome[];
  /** already-left: the recorded swap that left `from`, when the state still has it. */
  leftBy: SwapRecord | null;
}

export const journalRecord = (journal: SwapJournal | null): Record<string, unknown> | null => journal as unknown as Record<string, unknown> | null;

export function partialSwapError(state: State): FailoverError {
  const flag = state.partialSwap as { since: string; reason: string };
  return new FailoverError(ExitCode.blocked, 'partial-swap', `a partial swap is flagged since ${flag.since} (${flag.reason}): every swap is refused`, {
    hint: 'repair the active link by hand (a symlink to an account home), check with `claude-failover validate-symlinks`, then run `claude-failover swap-account --clear-partial`',
  });
}

export async function performSwap(ctx: Context, state: State, lock: LockHandle | null, request: SwapRequest, links: SwapLinks = realSwapLinks): Promise<SwapReport> {
  if (state.partialSwap) throw partialSwapError(state);
  if (state.swapJournal) {
    throw new FailoverError(ExitCode.failed, 'swap-in-progress', 'an interrupted swap is still journaled; it must be finished or rolled back first', {
      hint: 'run `claude-failover reconcile`',
    });
  }
  const now = ctx.clock.now();
  const from = await activeAccount(ctx.config, state.activeAccount);
  const report: SwapReport = { status: 'planned', from: from.name, to: from.name, reason: request.reason, at: now.toISOString(), warnings: [], linksFixed: [], plan: [], sessions: [], leftBy: null };
  if (request.leaving != null && request.leaving !== from.name) return alreadyLeft(ctx, state, report, request.leaving);
  const link = await requireActiveLink(ctx.config.activeLink);
  const choice = chooseTarget({ accounts: ctx.config.accounts, active: from, records: state.accounts, now, requested: request.to });
  if (!choice.ok) throw await noTarget(ctx, state, lock, request, from, choice);
  const target = choice.target;
  report.to = target.name;
  if (choice.warning) report.warnings.push(choice.warning);
  for (const warning of report.warnings) ctx.log.warn(warning);
  // Checked before anything is stopped: a divergent link or a real folder on the target tears down nobody's work.
  const blocking = (await links.check(ctx.config, target)).filter((p) => !p.fixable);
  if (blocking.length > 0) throw targetLinksError(target, blocking);

  if (target.name === from.name) return linkOnly(ctx, state, lock, report, target, links, request.dryRun === true);

  const facts = await observeSwapSessions(ctx, state);
  const plan = planSwapSessions(facts, ctx.home);
  report.plan = plan.sessions;
  if (request.dryRun || lock === null) return report;

  const journal: SwapJournal = {
    id: randomUUID(), pid: process.pid, startedAt: now.toISOString(), reason: request.reason, by: request.by,
    from: from.name, fromHome: from.home, to: target.name, toHome: target.home,
    linkBefore: link.kind === 'symlink' ? link.resolved : null, phase: 'saving', failure: null, sessions: plan.sessions,
  };
  // Before anything is stopped: the state folder must take the journal of every step, and keeps room for an undo.
  const room = await reserveJournalRoom(ctx.paths.stateDir, JSON.stringify({ state, journal }).length);
  const writes = new FaultTolerantWrites(ctx, lock, room);
  try {
    await journaledSteps(ctx, state, lock, journal, plan, links, writes, report);
  } catch (error) {
    // Not recorded as committed: a write the disk refused means the journal on disk cannot be trusted; undo here.
    if (fsFaultCode(error) === null || journal.phase === 'committed') throw error;
    throw await undoAfterFault(ctx, state, lock, journal, links, writes, error);
  } finally {
    if (journal.phase !== 'committed') await room.free();
  }
  try {
    report.sessions = await finishCommitted(ctx, state, lock, journal, writes.persist);
  } finally {
    await room.free();
  }
  report.status = 'swapped';
  if (writes.fault) afterCommitFault(ctx, journal, writes, report);
  return report;
}

/** Every journaled step up to the commit; a stop or link failure is rolled back here, a refused write by the caller. */
async function journaledSteps(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, plan: SessionPlan, links: SwapLinks, writes: FaultTolerantWrites, report: SwapReport): Promise<void> {
  const save = journalSaver(ctx, state, lock, journal);
  ctx.log.info(`swapping ${journal.from} → ${journal.to}: ${journal.reason}`);
  await save();
  failpoint('swap-account:after-journal');
  await writeResumeFiles(ctx, journal.sessions);
  failpoint('swap-account:after-resume-ids');

  journal.phase = 'stopping';
  await save();
  try {
    await stopSessions(ctx, journal.sessions, plan.menus, plan.processes);
  } catch (error) {
    throw await failAndRollBack(ctx, state, lock, journal, links, writes, error, 'stopping the sessions failed: ');
  }
  failpoint('swap-account:after-stop');

  journal.phase = 'flipping';
  for (const session of journal.sessions) session.stopped = true;
  await save();
  try {
    await links.flip(ctx.config.activeLink, journal.toHome);
    failpoint('swap-account:after-flip');
    report.linksFixed = await links.ensure(ctx.config, { name: journal.to, home: journal.toHome });
    failpoint('swap-account:after-links');
  } catch (error) {
    throw await failAndRollBack(ctx, state, lock, journal, links, writes, error);
  }
  for (const path of report.linksFixed) ctx.log.info(`created ${path} on ${journal.to}`);
  await commitSwap(ctx, state, journal, save);
}

/** Another run left the account this one was asked to leave: nothing to do, and the operator is told so. */
function alreadyLeft(ctx: Context, state: State, report: SwapReport, leaving: string): SwapReport {
  report.status = 'already-left';
  report.leftBy = [...state.swaps].reverse().find((s) => s.from === leaving) ?? null;
  report.from = leaving;
  const when = report.leftBy ? ` (swapped ${leaving} → ${report.leftBy.to} at ${report.leftBy.at} by ${report.leftBy.by})` : '';
  ctx.log.info(`${leaving} was already left by another run${when}; ${report.to} is active; nothing done`);
  return report;
}

/**
 * No account to move to. With the active one still serving, that is the answer (exit 3, the swap cannot be done,
 * but nothing is exhausted for the fleet: no all-exhausted event); with the active one exhausted too, the fleet
 * has nowhere to go: the operator is told once per exhaustion.
 */
async function noTarget(ctx: Context, state: State, lock: LockHandle | null, request: SwapRequest, from: Account, choice: Extract<TargetChoice, { ok: false }>): Promise<FailoverError> {
  switch (choice.code) {
    case 'unknown-account':
      return usageError(choice.message);
    case 'no-other-usable':
      return new FailoverError(ExitCode.blocked, 'no-other-account', choice.message, {
        hint: `${from.name} is usable, so nothing needs to move; to swap all the same, name the account: \`claude-failover swap-account --to NAME\` (an exhausted one is allowed, with a warning)`,
      });
    case 'all-exhausted':
      if (lock !== null && !request.dryRun) await notifyAllExhausted(ctx, state, lock, from, choice.message, choice.earliestReset);
      return new FailoverError(ExitCode.blocked, 'all-exhausted', choice.message, { hint: 'wait for the reset, or add an account under accounts:' });
    default:
      return unreachable(choice, 'target choice');
  }
}

/**
 * Tells the operator once per exhaustion, not on every check-quota poll while every account stays exhausted: the
 * reset it was told about is remembered on the active account's record.
 */
async function notifyAllExhausted(ctx: Context, state: State, lock: LockHandle, from: Account, message: string, earliestReset: string | null): Promise<void> {
  const told = earliestReset ?? 'unknown';
  const record = state.accounts[from.name] ?? { exhaustedUntil: null };
  if (record.allExhaustedNotified === told) return;
  await ctx.notify({ event: 'all-exhausted', at: ctx.clock.now().toISOString(), message, active: from.name, earliestReset });
  state.accounts[from.name] = { ...record, allExhaustedNotified: told };
  await ctx.state.save(state, lock);
}

/** Saves the state with the journal in it, under the caller's lock (a lost lock aborts before writing). */
export function journalSaver(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, persist: Persist = strictPersist(ctx, lock)): () => Promise<void> {
  return async () => {
    state.swapJournal = journalRecord(journal);
    await persist(state);
  };
}

/** Commits (the new account becomes the active one, the swap is recorded), unless already committed. */
export async function commitSwap(ctx: Context, state: State, journal: SwapJournal, save: () => Promise<void>): Promise<void> {
  if (journal.phase === 'committed') return;
  const before = { phase: journal.phase, activeAccount: state.activeAccount, swaps: state.swaps, count: state.counters.swaps, suspicion: state.quotaSuspicion };
  journal.phase = 'committed';
  state.activeAccount = journal.to;
  state.swaps = pushBounded(state.swaps, { from: journal.from, to: journal.to, at: ctx.clock.now().toISOString(), reason: journal.reason, by: journal.by }, SWAP_HISTORY);
  state.counters.swaps++;
  state.quotaSuspicion = null;
  try {
    await save();
  } catch (error) {
    // Not on disk, so not committed: the swap is as it was before this step (and is undone or finished from there).
    Object.assign(journal, { phase: before.phase });
    Object.assign(state, { activeAccount: before.activeAccount, swaps: before.swaps, quotaSuspicion: before.suspicion });
    state.counters.swaps = before.count;
    throw error;
  }
  failpoint('swap-account:after-commit');
}

/** Commits, brings the sessions back under the new home, clears the journal and tells the operator. */
export async function finishCommitted(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, persist: Persist = strictPersist(ctx, lock)): Promise<SessionOutcome[]> {
  const save = journalSaver(ctx, state, lock, journal, persist);
  await commitSwap(ctx, state, journal, save);
  const sessions = await restoreSessions(ctx, state, journal, journal.toHome, save);
  state.swapJournal = null;
  await persist(state);
  const resumed = sessions.filter((s) => s.action === 'resumed').length;
  const requeued = sessions.filter((s) => s.requeued).length;
  await ctx.notify({
    event: 'swap',
    at: ctx.clock.now().toISOString(),
    message: `swapped ${journal.from} → ${journal.to} (${journal.reason}); ${resumed} dedicated session(s) resumed, ${requeued} task(s) re-queued`,
    from: journal.from,
    to: journal.to,
    reason: journal.reason,
  });
  return sessions;
}

export interface RollBack {
  partial: boolean;
  sessions: SessionOutcome[];
}

/**
 * Back to the old account: the active link pointed back at the old home (when needed), the old account active, the
 * sessions the swap stopped brought back under it. When pointing the link back fails too, the sticky partial-swap
 * flag is set (every later swap is refused until an operator clears it) and the operator is notified; the sessions
 * still come back under the old home (they name it in CLAUDE_CONFIG_DIR, so they do not depend on the link).
 */
export async function rollBackSwap(
  ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, failure: string, flipBack: boolean, links: SwapLinks, persist: Persist = strictPersist(ctx, lock),
): Promise<RollBack> {
  const save = journalSaver(ctx, state, lock, journal, persist);
  if (journal.phase === 'saving') for (const s of journal.sessions) s.stopped = false;
  if (journal.phase === 'stopping') {
    // Killed part way through the stop: what still exists was never stopped and keeps running as it is, except a pool
    // session whose Claude Code is gone (stopped, and brought back by a run that could not record it).
    const stopped = await stoppedSessions(ctx, journal.sessions);
    for (const s of journal.sessions) s.stopped = stopped.has(s.name);
  }
  journal.phase = 'rolling-back';
  journal.failure ??= failure;
  await save();
  let flipError: string | null = null;
  if (flipBack) {
    try {
      await links.flip(ctx.config.activeLink, journal.fromHome);
    } catch (error) {
      flipError = errorMessage(error);
    }
  }
  failpoint('swap-account:after-rollback-flip');
  state.activeAccount = journal.from;
  if (flipError !== null) {
    const reason = `swap ${journal.from} → ${journal.to} failed (${journal.failure}) and pointing ${ctx.config.activeLink} back at ${journal.fromHome} failed too (${flipError})`;
    state.partialSwap = { since: state.partialSwap?.since ?? ctx.clock.now().toISOString(), reason };
    await save();
    ctx.log.error(`PARTIAL SWAP: ${reason}`);
    await ctx.notify({ event: 'partial-swap', at: ctx.clock.now().toISOString(), message: reason, from: journal.from, to: journal.to });
  } else {
    await save();
    ctx.log.warn(`swap ${journal.from} → ${journal.to} rolled back: ${journal.failure}`);
  }
  const sessions = await restoreSessions(ctx, state, journal, journal.fromHome, save);
  state.swapJournal = null;
  await persist(state);
  return { partial: flipError !== null, sessions };
}

/** Rolls a live swap back after a failed stop or link step, and returns the error the command ends with. */
async function failAndRollBack(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, links: SwapLinks, writes: FaultTolerantWrites, error: unknown, prefix = ''): Promise<FailoverError> {
  const fault = systemFault(error);
  const failure = prefix + (fault?.message ?? errorMessage(error));
  const position = await linkPosition(ctx.config.activeLink, journal.fromHome, journal.toHome);
  const rollBack = await rollBackSwap(ctx, state, lock, journal, failure, needsFlipBack(journal, position), links, writes.persist);
  if (rollBack.partial) return partialSwapError(state);
  return new FailoverError(ExitCode.failed, 'swap-rolled-back', `swap ${journal.from} → ${journal.to} failed and was rolled back; ${journal.from} stays active: ${failure}`, {
    hint: (fault?.hint ?? 'run `claude-failover validate-symlinks` to see what is wrong with the target home') + staleHint(writes),
  });
}

/**
 * A write the disk refused before the commit: the run undoes the swap itself (the journal on disk may be a step
 * behind), bringing the stopped sessions back under the old account, and ends with the path and the fix.
 */
async function undoAfterFault(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, links: SwapLinks, writes: FaultTolerantWrites, error: unknown): Promise<FailoverError> {
  const fault = (error instanceof FailoverError ? error : systemFault(error) ?? fsFault(error, 'write', ctx.state.path)) as FailoverError;
  ctx.log.error(`${fault.message}: undoing the swap ${journal.from} → ${journal.to} in this run`);
  const position = await linkPosition(ctx.config.activeLink, journal.fromHome, journal.toHome);
  const rollBack = await rollBackSwap(ctx, state, lock, journal, fault.message, needsFlipBack(journal, position), links, writes.persist);
  if (rollBack.partial) return partialSwapError(state);
  const back = rollBack.sessions.filter((s) => s.action !== 'left-running');
  const failed = back.filter((s) => s.action === 'failed').map((s) => s.session);
  const sessions = back.length === 0
    ? 'nothing had been stopped'
    : `${plural(back.length, 'stopped session')} brought back under it${failed.length > 0 ? ` (not ${failed.join(', ')}: see above)` : ''}`;
  return new FailoverError(ExitCode.failed, 'swap-rolled-back', `swap ${journal.from} → ${journal.to} undone in this run; ${journal.from} stays active, ${sessions}: ${fault.message}`, {
    hint: (fault.hint ?? '') + staleHint(writes),
    cause: fault,
  });
}

/** The state file could not take the undo's record either: what the next reconcile does with the journal left in it. */
const staleHint = (writes: FaultTolerantWrites) => writes.stale
  ? '. The state file still holds the journal as last written: once the folder takes writes, `claude-failover reconcile` settles it (the sessions are back; nothing is stopped or typed twice)'
  : '';

/** The swap is committed and its sessions are back, but a write after the commit was refused: said loudly. */
function afterCommitFault(ctx: Context, journal: SwapJournal, writes: FaultTolerantWrites, report: SwapReport): void {
  const fault = writes.fault as FailoverError;
  if (writes.stale) {
    throw new FailoverError(ExitCode.failed, fault.code, `swapped ${journal.from} → ${journal.to}, and its sessions are back under it, but the state could not be written: ${fault.message}`, {
      hint: `${faultFix(fault, ctx.paths.stateDir) ?? 'make the state folder take writes'}; then run \`claude-failover reconcile\`: the state file still holds the swap's journal, which it finishes (nothing is typed twice); dispatch waits until then`,
      cause: fault,
    });
  }
  const warning = `the state folder refused a write during the swap (${fault.message}); the room the swap had reserved took it, but the next write may fail: ${faultFix(fault, ctx.paths.stateDir) ?? ''}`;
  report.warnings.push(warning);
  ctx.log.warn(warning);
}

/** The target is already the active account: only make sure the link points at it and its links are right. */
async function linkOnly(ctx: Context, state: State, lock: LockHandle | null, report: SwapReport, target: Account, links: SwapLinks, dryRun: boolean): Promise<SwapReport> {
  report.status = 'already-active';
  const position = await linkPosition(ctx.config.activeLink, target.home, target.home);
  if (dryRun || lock === null || (position === 'to' && state.activeAccount === target.name)) return report;
  if (position !== 'to') await links.flip(ctx.config.activeLink, target.home);
  report.linksFixed = await links.ensure(ctx.config, target);
  state.activeAccount = target.name;
  await ctx.state.save(state, lock);
  ctx.log.info(`${target.name} is the active account; ${ctx.config.activeLink} points at ${target.home}`);
  return report;
}
