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
import { ExitCode, FailoverError, errorMessage, usageError } from '../base/core/errors.js';
import { pushBounded, SWAP_HISTORY, type State } from '../base/core/state.js';
import { needsFlipBack, type SwapJournal } from './core/journal.js';
import { chooseTarget, planSwapSessions, type SessionPlan } from './core/plan.js';
import type { Context } from '../context.js';
import { observeSwapSessions, restoreSessions, stopSessions, writeResumeFiles, type SessionOutcome } from './sessions.js';

export interface SwapRequest {
  /** `--to NAME`, or null for the next account in order that is not exhausted. */
  to: string | null;
  reason: string;
  by: 'swap-account' | 'check-quota';
  dryRun?: boolean;
}

export interface SwapReport {
  /** swapped; planned (dry run); already-active: the target is the active account (the link was only checked or set). */
  status: 'swapped' | 'planned' | 'already-active';
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
  const link = await requireActiveLink(ctx.config.activeLink);
  const choice = chooseTarget({ accounts: ctx.config.accounts, active: from, records: state.accounts, now, requested: request.to });
  if (!choice.ok && choice.code === 'unknown-account') throw usageError(choice.message);
  if (!choice.ok) {
    if (lock !== null && !request.dryRun) await notifyAllExhausted(ctx, state, lock, from, choice.message, choice.earliestReset);
    throw new FailoverError(ExitCode.blocked, 'all-exhausted', choice.message, { hint: 'wait for the reset, or add an account under accounts:' });
  }
  const target = choice.target;
  const warnings = choice.warning ? [choice.warning] : [];
  for (const warning of warnings) ctx.log.warn(warning);
  // Checked before anything is stopped: a divergent link or a real folder on the target tears down nobody's work.
  const blocking = (await links.check(ctx.config, target)).filter((p) => !p.fixable);
  if (blocking.length > 0) throw targetLinksError(target, blocking);

  const report: SwapReport = { status: 'planned', from: from.name, to: target.name, reason: request.reason, at: now.toISOString(), warnings, linksFixed: [], plan: [], sessions: [] };
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
  const save = journalSaver(ctx, state, lock, journal);
  ctx.log.info(`swapping ${from.name} → ${target.name}: ${request.reason}`);
  await save();
  failpoint('swap-account:after-journal');
  await writeResumeFiles(ctx, journal.sessions);
  failpoint('swap-account:after-resume-ids');

  journal.phase = 'stopping';
  await save();
  try {
    await stopSessions(ctx, state, journal.sessions, plan.menus);
  } catch (error) {
    throw await failAndRollBack(ctx, state, lock, journal, links, `stopping the sessions failed: ${errorMessage(error)}`);
  }
  failpoint('swap-account:after-stop');

  journal.phase = 'flipping';
  for (const session of journal.sessions) session.stopped = true;
  await save();
  try {
    await links.flip(ctx.config.activeLink, target.home);
    failpoint('swap-account:after-flip');
    report.linksFixed = await links.ensure(ctx.config, target);
    failpoint('swap-account:after-links');
  } catch (error) {
    throw await failAndRollBack(ctx, state, lock, journal, links, errorMessage(error));
  }
  for (const path of report.linksFixed) ctx.log.info(`created ${path} on ${target.name}`);

  report.sessions = await finishCommitted(ctx, state, lock, journal);
  report.status = 'swapped';
  return report;
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
export function journalSaver(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal): () => Promise<void> {
  return async () => {
    state.swapJournal = journalRecord(journal);
    await ctx.state.save(state, lock);
  };
}

/** Commits (the new account becomes the active one, the swap is recorded), unless already committed. */
export async function commitSwap(ctx: Context, state: State, journal: SwapJournal, save: () => Promise<void>): Promise<void> {
  if (journal.phase === 'committed') return;
  journal.phase = 'committed';
  state.activeAccount = journal.to;
  state.swaps = pushBounded(state.swaps, { from: journal.from, to: journal.to, at: ctx.clock.now().toISOString(), reason: journal.reason, by: journal.by }, SWAP_HISTORY);
  state.counters.swaps++;
  state.quotaSuspicion = null;
  await save();
  failpoint('swap-account:after-commit');
}

/** Commits, brings the sessions back under the new home, clears the journal and tells the operator. */
export async function finishCommitted(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal): Promise<SessionOutcome[]> {
  const save = journalSaver(ctx, state, lock, journal);
  await commitSwap(ctx, state, journal, save);
  const sessions = await restoreSessions(ctx, state, journal, journal.toHome, save);
  state.swapJournal = null;
  await ctx.state.save(state, lock);
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
export async function rollBackSwap(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, failure: string, flipBack: boolean, links: SwapLinks): Promise<RollBack> {
  const save = journalSaver(ctx, state, lock, journal);
  if (journal.phase === 'saving') for (const s of journal.sessions) s.stopped = false;
  if (journal.phase === 'stopping') {
    // Killed part way through the stop: what still exists was never stopped and keeps running as it is.
    const existing = new Set(await ctx.tmux.listSessions());
    for (const s of journal.sessions) s.stopped = !existing.has(s.name);
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
  await ctx.state.save(state, lock);
  return { partial: flipError !== null, sessions };
}

/** Rolls a live swap back after `failure` and returns the error the command ends with. */
async function failAndRollBack(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, links: SwapLinks, failure: string): Promise<FailoverError> {
  const position = await linkPosition(ctx.config.activeLink, journal.fromHome, journal.toHome);
  const rollBack = await rollBackSwap(ctx, state, lock, journal, failure, needsFlipBack(journal, position), links);
  if (rollBack.partial) return partialSwapError(state);
  return new FailoverError(ExitCode.failed, 'swap-rolled-back', `swap ${journal.from} → ${journal.to} failed and was rolled back; ${journal.from} stays active: ${failure}`, {
    hint: 'run `claude-failover validate-symlinks` to see what is wrong with the target home',
  });
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
