import { activeAccount } from '../accounts/active-account.js';
import { readActiveLink } from '../accounts/symlinks.js';
import { plural, table, type Style } from '../base/core/format.js';
import type { Context } from '../context.js';
import { performSwap, type SwapReport } from './engine.js';

export interface SwapAccountOptions {
  to?: string | undefined;
  clearPartial?: boolean | undefined;
  dryRun?: boolean | undefined;
}

export interface SwapAccountResult {
  dryRun: boolean;
  /** The partial-swap flag this run cleared (--clear-partial), null when none was set or none was asked. */
  clearedPartial: { since: string; reason: string } | null;
  /** --clear-partial was given. */
  clearRequested: boolean;
  /** Where the active link points at the end (for the operator who just repaired it). */
  activeLink: { path: string; kind: string; target: string | null };
  /** Null when only the flag was cleared. */
  swap: SwapReport | null;
}

/**
 * `swap-account [--to NAME] [--clear-partial] [--dry-run]`, under the state lock. Refused with exit 3
 * while the partial-swap flag is set; `--clear-partial` clears it (and swaps only when `--to` is given too, so an
 * operator who just repaired the homes decides the next step). Failures exit 1 after a rollback, 3 when blocked.
 */
export async function run(options: SwapAccountOptions, ctx: Context): Promise<SwapAccountResult> {
  const clearRequested = options.clearPartial === true;
  // The account this run means to leave, read before it waits for the lock: a run that finds it already left
  // (another swap got the lock first) does nothing, instead of moving on once more (there and back).
  const swapsNext = options.to === undefined && !clearRequested && !options.dryRun;
  const leaving = swapsNext ? (await activeAccount(ctx.config, (await ctx.state.load()).activeAccount)).name : null;
  const request = { to: options.to ?? null, leaving, reason: 'requested by the operator', by: 'swap-account' as const };
  if (options.dryRun) {
    const state = await ctx.state.load();
    const cleared = clearRequested ? state.partialSwap : null;
    if (clearRequested) state.partialSwap = null;
    const swap = clearRequested && options.to === undefined ? null : await performSwap(ctx, state, null, { ...request, dryRun: true });
    return { dryRun: true, clearedPartial: cleared, clearRequested, activeLink: await linkReport(ctx), swap };
  }
  return ctx.withLock('swap-account', async (lock) => {
    const state = await ctx.state.load(lock);
    let cleared: SwapAccountResult['clearedPartial'] = null;
    if (clearRequested && state.partialSwap) {
      cleared = state.partialSwap;
      state.partialSwap = null;
      await ctx.state.save(state, lock);
      ctx.log.warn(`partial-swap flag cleared (was set since ${cleared.since}: ${cleared.reason}); swaps are allowed again`);
    }
    const swap = clearRequested && options.to === undefined ? null : await performSwap(ctx, state, lock, request);
    return { dryRun: false, clearedPartial: cleared, clearRequested, activeLink: await linkReport(ctx), swap };
  }, { waitMs: Math.max(ctx.lockWaitMs, SWAP_LOCK_WAIT_MS) });
}

/**
 * A by-hand swap waits out a swap under way (it holds the lock while the stopped Claude Codes exit, up to some
 * seconds) rather than failing with "try again later"; the timers' runs keep the short wait.
 */
const SWAP_LOCK_WAIT_MS = 30_000;

async function linkReport(ctx: Context): Promise<SwapAccountResult['activeLink']> {
  const link = await readActiveLink(ctx.config.activeLink).catch(() => ({ kind: 'unreadable' as const, path: ctx.config.activeLink }));
  return { path: link.path, kind: link.kind, target: link.kind === 'symlink' ? link.target : null };
}

export function render(result: SwapAccountResult, style: Style): string {
  const parts: string[] = [];
  if (result.clearRequested) {
    parts.push(
      result.clearedPartial
        ? style.yellow(`${result.dryRun ? 'would clear' : 'cleared'} the partial-swap flag (set since ${result.clearedPartial.since}: ${result.clearedPartial.reason})`)
        : 'no partial-swap flag was set',
    );
    const link = result.activeLink;
    parts.push(`active link ${link.path}: ${link.kind === 'symlink' ? `→ ${link.target}` : style.red(`${link.kind} (it must be a symlink to an account home)`)}`);
  }
  const swap = result.swap;
  if (!swap) return parts.join('\n');
  if (swap.status === 'already-left') {
    const by = swap.leftBy ? ` (swapped ${swap.leftBy.from} → ${swap.leftBy.to} at ${swap.leftBy.at} by ${swap.leftBy.by})` : '';
    parts.push(`${swap.from} was already left by another run${by}; ${swap.to} is active: nothing done`);
    return parts.join('\n');
  }
  if (swap.status === 'already-active') {
    parts.push(`${swap.to} is already the active account${swap.linksFixed.length ? `; created ${swap.linksFixed.join(', ')}` : ''}`);
    return parts.join('\n');
  }
  parts.push(
    swap.status === 'planned'
      ? `would swap ${swap.from} → ${swap.to}, stopping ${plural(swap.plan.length, 'session')}` + style.yellow(' (dry run: nothing changed)')
      : style.green(`swapped ${swap.from} → ${swap.to}`) + ` (${swap.reason})`,
  );
  for (const warning of swap.warnings) parts.push(style.yellow(`warning: ${warning}`));
  if (swap.status === 'planned' && swap.plan.length > 0) {
    parts.push(table(['SESSION', 'KIND', 'RESUME', 'TASK'], swap.plan.map((s) => [s.name, s.kind, s.resumeId ?? '-', s.task ?? '-'])));
  }
  if (swap.sessions.length > 0) {
    parts.push(table(['SESSION', 'KIND', 'NOW', 'RESUME', 'RE-QUEUED'], swap.sessions.map((s) => [
      s.session, s.kind, s.action === 'failed' ? style.red(`failed: ${s.error ?? ''}`) : s.action, s.resumeId ?? '-', s.requeued ?? '-',
    ])));
  }
  if (swap.linksFixed.length > 0) parts.push(`created on ${swap.to}: ${swap.linksFixed.join(', ')}`);
  return parts.join('\n\n');
}

/** A session that could not be brought back is a failure to report (exit 1), though the swap itself stands. */
export const exitCode = (result: SwapAccountResult) => (result.swap?.sessions.some((s) => s.action === 'failed') ? 1 : 0);
