import type { State } from '../core/state.js';
import type { Context } from '../context.js';

export interface SwapRecovery {
  action: 'none' | 'left-untouched';
  detail: string | null;
}

/**
 * HOOK POINT for [accounts] (DESIGN §9): reconcile calls this first, under the lock, so a swap-account run that
 * was killed is finished or rolled back before any session is judged. The swap journal and its recovery belong
 * to the accounts area; until that lands, a journal is reported and left exactly as it is.
 */
export async function finishOrRollBackSwap(ctx: Context, state: State): Promise<SwapRecovery> {
  if (state.swapJournal === null) return { action: 'none', detail: null };
  ctx.log.warn('a swap journal is present (an interrupted swap-account run); its recovery is not available in this build, left untouched');
  return { action: 'left-untouched', detail: 'swap journal present' };
}
