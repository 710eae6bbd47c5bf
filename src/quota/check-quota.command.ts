import { activeAccount } from '../accounts/active-account.js';
import { failpoint } from '../base/failpoint.js';
import { FailoverError } from '../base/core/errors.js';
import { table, type Style } from '../base/core/format.js';
import { decideQuota, type QuotaAction, type QuotaDecision } from './core/decide.js';
import { DETECTION_HISTORY, pushBounded, type QuotaSuspicion, type State } from '../base/core/state.js';
import type { Context } from '../context.js';
import { observeQuota, type ObservedVerdict } from './observe.js';
import { performSwap, type SwapReport } from '../swap/engine.js';
import { announceExpiringLogins } from '../operations/account-health.js';
import { clearRenewedLogins, markLoginFailure } from '../accounts/login-failure.js';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface CheckQuotaOptions {
  /** False with `--no-swap`: detect and report only. */
  swap?: boolean | undefined;
  dryRun?: boolean | undefined;
}

export type SwapOutcome =
  | { status: 'done'; report: SwapReport }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; code: string; message: string; hint: string | null; exitCode: number };

export interface CheckQuotaResult {
  dryRun: boolean;
  noSwap: boolean;
  /** The account the sessions run under (the one a swap would leave). */
  account: string;
  /** Every session read, with its verdict. */
  sessions: ObservedVerdict[];
  action: QuotaAction;
  reason: string;
  /** Until when the account is now marked exhausted (a swap action only). */
  exhaustedUntil: string | null;
  resetKnown: boolean;
  /** The failed login that marks the account (a swap action only), else null. */
  loginFailure: { session: string; message: string } | null;
  suspicion: QuotaSuspicion | null;
  /** What became of the swap the action asked for; null when none was asked. */
  swap: SwapOutcome | null;
}

/**
 * `check-quota [--no-swap] [--dry-run]`: reads every pool and dedicated session, decides whether the
 * active account is exhausted (suspicion persisted across polls, cooldown after a swap), logs one forensic line per
 * detection, marks the account exhausted until its reset, then swaps in the same run under the same lock.
 */
export async function run(options: CheckQuotaOptions, ctx: Context): Promise<CheckQuotaResult> {
  const noSwap = options.swap === false;
  if (options.dryRun) {
    const state = await ctx.state.load();
    const { result } = await evaluate(ctx, state, true, noSwap);
    if (result.action === 'swap') result.swap = { status: 'skipped', reason: 'dry run' };
    return result;
  }
  return ctx.withLock('check-quota', async (lock) => {
    const state = await ctx.state.load(lock);
    const before = JSON.stringify(state);
    // Someone logged in again since a login failed: the account is usable again before anything is decided.
    await clearRenewedLogins(ctx, state);
    const { result, decision } = await evaluate(ctx, state, false, noSwap);
    record(ctx, state, result, decision);
    if (decision.loginFailure) await markLoginFailure(ctx, state, result.account, decision.loginFailure);
    // The account-facing timer, every minute: where a login about to expire is announced (once per expiry).
    await announceExpiringLogins(ctx, state, result.account);
    if (JSON.stringify(state) !== before) await ctx.state.save(state, lock);
    failpoint('check-quota:after-detection');
    if (result.action !== 'swap') return result;
    if (noSwap) {
      result.swap = { status: 'skipped', reason: '--no-swap' };
      return result;
    }
    try {
      // The account judged exhausted is the one to leave: found already left, the swap does nothing.
      const report = await performSwap(ctx, state, lock, { to: null, leaving: result.account, reason: decision.reason, by: 'check-quota' });
      result.swap = report.status === 'already-left'
        ? { status: 'skipped', reason: `${result.account} was already left by another run; ${report.to} is active` }
        : { status: 'done', report };
    } catch (error) {
      if (!(error instanceof FailoverError)) throw error;
      ctx.log.error(`swap not done: ${error.message}`);
      if (error.hint) ctx.log.info(`hint: ${error.hint}`);
      result.swap = { status: 'failed', code: error.code, message: error.message, hint: error.hint ?? null, exitCode: error.exitCode };
    }
    return result;
  });
}

async function evaluate(ctx: Context, state: State, dryRun: boolean, noSwap: boolean): Promise<{ result: CheckQuotaResult; decision: QuotaDecision }> {
  const account = await activeAccount(ctx.config, state.activeAccount);
  const sessions = await observeQuota(ctx, state, await loginSince(account.home, state));
  const decision = decideQuota({
    verdicts: sessions,
    suspicion: state.quotaSuspicion,
    quota: ctx.config.quota,
    lastSwapAt: state.swaps[state.swaps.length - 1]?.at ?? null,
    now: ctx.clock.now(),
  });
  const result: CheckQuotaResult = {
    dryRun,
    noSwap,
    account: account.name,
    sessions,
    action: decision.action,
    reason: decision.reason,
    exhaustedUntil: decision.exhaustedUntil,
    resetKnown: decision.resetKnown,
    loginFailure: decision.loginFailure,
    suspicion: decision.suspicion,
    swap: null,
  };
  for (const line of decision.forensic) ctx.log.warn(line);
  if (decision.action !== 'none' || decision.trigger) ctx.log.info(`check-quota: ${decision.action}: ${decision.reason}`);
  return { result, decision };
}

/**
 * Since when login evidence counts: what failed before the account's credentials were last written (someone logged
 * in) or before the last swap (the fleet ran under another account) says nothing of the login now.
 */
async function loginSince(home: string, state: State): Promise<number | null> {
  const written = await stat(join(home, '.credentials.json')).then((s) => s.mtimeMs, () => null);
  const swapped = Date.parse(state.swaps[state.swaps.length - 1]?.at ?? '');
  const times = [written, Number.isNaN(swapped) ? null : swapped].filter((t): t is number => t !== null);
  return times.length === 0 ? null : Math.max(...times);
}

/** Persists what this poll learnt: the suspicion, the detections (bounded history) and the exhausted account. */
function record(ctx: Context, state: State, result: CheckQuotaResult, decision: QuotaDecision): void {
  const at = ctx.clock.now().toISOString();
  state.quotaSuspicion = decision.suspicion;
  for (const v of result.sessions.filter((s) => s.kind !== 'clear')) {
    state.detections = pushBounded(state.detections, {
      at, session: v.session, verdict: v.kind, pattern: v.pattern, resetAt: v.resetAt, limitType: v.limitType, limitModel: v.limitModel,
      source: v.source, veto: v.veto, snippet: v.snippet, account: result.account, action: decision.action,
    }, DETECTION_HISTORY);
  }
  if (decision.action === 'swap' && decision.exhaustedUntil) {
    state.accounts[result.account] = { ...state.accounts[result.account], exhaustedUntil: decision.exhaustedUntil };
    ctx.log.warn(`account ${result.account} is exhausted until ${decision.exhaustedUntil}${decision.resetKnown ? '' : ' (reset time unknown: assumed 5 hours)'}`);
  }
}

export function render(result: CheckQuotaResult, style: Style): string {
  const parts: string[] = [];
  const headline = `account ${result.account}: ${result.action} — ${result.reason}`;
  parts.push((result.action === 'swap' ? style.red : result.action === 'none' ? style.green : style.yellow)(headline) + (result.dryRun ? style.yellow(' (dry run: nothing changed)') : ''));
  if (result.sessions.length > 0) {
    parts.push(table(
      ['SESSION', 'KIND', 'VERDICT', 'PATTERN', 'TYPE', 'RESET', 'NOTE'],
      result.sessions.map((s) => [
        s.session, s.sessionKind, s.kind === 'clear' ? s.kind : style.yellow(s.kind), s.pattern ?? '-',
        s.limitType === null ? '-' : s.limitModel === null ? s.limitType : `${s.limitType} (${s.limitModel})`,
        s.resetAt ?? '-', s.veto ? `veto: ${s.veto}` : s.note ?? '',
      ]),
    ));
  } else parts.push('no pool or dedicated session exists');
  if (result.loginFailure) parts.push(style.red(`${result.account} ${result.dryRun ? 'would be marked' : 'marked'} login-failed (${result.loginFailure.session}: ${result.loginFailure.message})`));
  if (result.exhaustedUntil) parts.push(style.yellow(`${result.account} ${result.dryRun ? 'would be marked' : 'marked'} exhausted until ${result.exhaustedUntil}`));
  const swap = result.swap;
  if (swap?.status === 'done') parts.push(style.green(`swapped ${swap.report.from} → ${swap.report.to}`) + `: ${swap.report.sessions.map((s) => `${s.session} ${s.action}`).join(', ') || 'no session to move'}`);
  if (swap?.status === 'skipped') parts.push(style.yellow(`swap skipped (${swap.reason})`));
  if (swap?.status === 'failed') parts.push(style.red(`swap failed: ${swap.message}`) + (swap.hint ? `\nhint: ${swap.hint}` : ''));
  return parts.join('\n\n');
}

/** A swap that was asked for and failed decides the exit code (1 failed and rolled back, 3 blocked). */
export const exitCode = (result: CheckQuotaResult) => (result.swap?.status === 'failed' ? result.swap.exitCode : 0);
