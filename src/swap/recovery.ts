import type { LockHandle } from '../base/lock.js';
import { linkPosition, realSwapLinks, type SwapLinks } from './links.js';
import { ExitCode, FailoverError, errorMessage } from '../base/core/errors.js';
import type { State } from '../base/core/state.js';
import { decideSwapRecovery, needsFlipBack, parseJournal, type SwapJournal } from './core/journal.js';
import type { Context } from '../context.js';
import { finishCommitted, rollBackSwap } from './engine.js';

export interface SwapRecovery {
  /** finished: the new account is active; rolled-back: the old one stays; partial: the rollback failed too (flag set). */
  action: 'none' | 'finished' | 'rolled-back' | 'partial' | 'left-untouched';
  detail: string | null;
}

/**
 * Reconcile calls this first, under its lock, so a swap-account run that was killed at any step is
 * finished or rolled back before any session is judged. The outcome is always fully the old account or fully the
 * new one (active link, state.activeAccount, sessions), never a mix; see decideSwapRecovery for which.
 */
export async function finishOrRollBackSwap(ctx: Context, state: State, lock: LockHandle, links: SwapLinks = realSwapLinks): Promise<SwapRecovery> {
  if (state.swapJournal === null) return { action: 'none', detail: null };
  const journal = parseJournal(state.swapJournal);
  if (!journal) {
    ctx.log.error('state.swapJournal is not a swap journal this build can read; left untouched. Check the active link and the sessions by hand (claude-failover status, validate-symlinks), then remove "swapJournal" from the state file.');
    return { action: 'left-untouched', detail: 'unreadable swap journal' };
  }
  try {
    return await recover(ctx, state, lock, journal, links);
  } catch (error) {
    if (error instanceof FailoverError) throw error;
    throw new FailoverError(ExitCode.failed, 'swap-recovery', `finishing the interrupted swap ${journal.from} → ${journal.to} failed: ${errorMessage(error)}`, { cause: error });
  }
}

async function recover(ctx: Context, state: State, lock: LockHandle, journal: SwapJournal, links: SwapLinks): Promise<SwapRecovery> {
  const target = { name: journal.to, home: journal.toHome };
  const position = await linkPosition(ctx.config.activeLink, journal.fromHome, journal.toHome);
  const usable = (await links.check(ctx.config, target)).every((p) => p.fixable);
  const decision = decideSwapRecovery(journal, position, usable);
  const what = `interrupted swap ${journal.from} → ${journal.to} (phase ${journal.phase})`;
  ctx.log.warn(`${what}: ${decision.kind === 'finish' ? 'finishing it' : 'rolling it back'}: ${decision.reason}`);

  if (decision.kind === 'finish') {
    try {
      if (decision.flip) await links.flip(ctx.config.activeLink, journal.toHome);
      if (journal.phase !== 'committed') await links.ensure(ctx.config, target);
    } catch (error) {
      const now = await linkPosition(ctx.config.activeLink, journal.fromHome, journal.toHome);
      const rolled = await rollBackSwap(ctx, state, lock, journal, errorMessage(error), needsFlipBack(journal, now), links);
      return { action: rolled.partial ? 'partial' : 'rolled-back', detail: `${what}: could not finish (${errorMessage(error)})` };
    }
    const sessions = await finishCommitted(ctx, state, lock, journal);
    return { action: 'finished', detail: `${what}: ${decision.reason}; ${sessions.length} session(s) brought back under ${journal.to}` };
  }
  const rolled = await rollBackSwap(ctx, state, lock, journal, decision.reason, decision.flipBack, links);
  return {
    action: rolled.partial ? 'partial' : 'rolled-back',
    detail: `${what}: ${decision.reason}${rolled.partial ? '; pointing the link back failed too: partial-swap flag set' : `; ${journal.from} stays active`}`,
  };
}
