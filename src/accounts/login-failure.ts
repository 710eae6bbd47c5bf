import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { State } from '../base/core/state.js';
import type { Context } from '../context.js';
import { loginFailed, loginRenewed } from './core/login-failure.js';

/**
 * An account's failed login in the state: marked by check-quota when a turn on the account fails with 401/403 or
 * `authentication_failed` (one `account-login-failed` event per failure), cleared when the account's credentials
 * change after it or a turn on it succeeds. The caller holds the lock and saves the state.
 */

/** Marks `account` login-failed; returns false (and notifies nothing) when it already was. */
export async function markLoginFailure(ctx: Context, state: State, account: string, failure: { session: string; message: string }): Promise<boolean> {
  const record = state.accounts[account];
  if (loginFailed(record)) return false;
  const at = ctx.clock.now().toISOString();
  const home = ctx.config.accounts.find((a) => a.name === account)?.home ?? null;
  state.accounts[account] = { exhaustedUntil: null, ...record, loginFailedAt: at, loginFailure: failure };
  ctx.log.error(`account ${account}: login failed (${failure.session}: ${failure.message})${home ? `; log in again: CLAUDE_CONFIG_DIR=${home} claude, then /login` : ''}`);
  await ctx.notify({
    event: 'account-login-failed',
    at,
    message: `the login of account ${account} failed (${failure.session}: ${failure.message})${home ? `: CLAUDE_CONFIG_DIR=${home} claude, then /login` : ''}`,
    account,
    session: failure.session,
    ...(home ? { home } : {}),
  });
  return true;
}

/** Clears the mark of `account`, if any, saying why. */
export function clearLoginFailure(ctx: Pick<Context, 'log'>, state: State, account: string, why: string): boolean {
  const record = state.accounts[account];
  if (!record || !loginFailed(record)) return false;
  state.accounts[account] = { ...record, loginFailedAt: null, loginFailure: null };
  ctx.log.info(`account ${account}: login failure cleared: ${why}`);
  return true;
}

/** Clears the mark of every account whose `.credentials.json` was written after its login failed. */
export async function clearRenewedLogins(ctx: Context, state: State): Promise<string[]> {
  const cleared: string[] = [];
  for (const account of ctx.config.accounts) {
    if (!loginFailed(state.accounts[account.name])) continue;
    const mtime = await stat(join(account.home, '.credentials.json')).then((s) => s.mtimeMs, () => null);
    if (loginRenewed(state.accounts[account.name], mtime) && clearLoginFailure(ctx, state, account.name, 'its credentials were written after the failure')) cleared.push(account.name);
  }
  return cleared;
}
