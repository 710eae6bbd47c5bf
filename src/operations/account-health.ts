import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../base/core/config.js';
import { errnoCode, errorMessage } from '../base/core/errors.js';
import type { State } from '../base/core/state.js';
import type { Context } from '../context.js';
import { NO_CREDENTIALS, accountHealth, credentialFacts, loginsToAnnounce, type AccountHealth, type CredentialFacts } from './core/account-health.js';
import { formatDuration } from '../base/core/duration.js';

/** Claude Code's file is a few hundred bytes; anything far larger is not it, and is not read. */
const MAX_CREDENTIALS_BYTES = 64 * 1024;

/**
 * The expiry facts of `<home>/.credentials.json`. Only this function holds the file's text, for the length of the
 * parse; what it returns has no token in it.
 */
export async function readCredentials(home: string): Promise<CredentialFacts> {
  let handle;
  try {
    // O_NONBLOCK: a FIFO planted in its place must not hang a status or a metrics scrape.
    handle = await open(join(home, '.credentials.json'), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if (['ENOENT', 'ENOTDIR'].includes(errnoCode(error) ?? '')) return NO_CREDENTIALS;
    return { ...NO_CREDENTIALS, present: true, problem: `cannot be read (${errnoCode(error) ?? errorMessage(error)})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ...NO_CREDENTIALS, problem: 'is not a regular file' };
    if (info.size > MAX_CREDENTIALS_BYTES) return { ...NO_CREDENTIALS, present: true, problem: `is ${info.size} bytes, not Claude Code's credentials` };
    return credentialFacts(await handle.readFile('utf8'));
  } catch (error) {
    return { ...NO_CREDENTIALS, present: true, problem: `cannot be read (${errnoCode(error) ?? errorMessage(error)})` };
  } finally {
    await handle.close();
  }
}

/** Every configured account's health, in failover order. */
export async function accountsHealth(config: Pick<Config, 'accounts'>, state: State, activeName: string, now: Date): Promise<AccountHealth[]> {
  const credentials = await Promise.all(config.accounts.map((account) => readCredentials(account.home)));
  return config.accounts.map((account, i) => accountHealth(account, state.accounts[account.name], credentials[i] as CredentialFacts, activeName, now));
}

/**
 * Raises `account-login-expiring` for every login that expires within `accounts_health.login_expiry_warning` and was
 * not yet announced for that expiry, and remembers it in `state` (the caller holds the lock and saves). The event
 * goes out before the mark is saved: a run killed in between announces it again rather than never.
 */
export async function announceExpiringLogins(ctx: Context, state: State, activeName: string): Promise<string[]> {
  const now = ctx.clock.now();
  const healths = await accountsHealth(ctx.config, state, activeName, now);
  const due = loginsToAnnounce(healths, state.accounts, now, ctx.config.accountsHealth.loginExpiryWarningMs);
  for (const login of due) {
    const when = login.inMs > 0 ? `expires in ${formatDuration(login.inMs)}` : `expired ${formatDuration(-login.inMs)} ago`;
    await ctx.notify({
      event: 'account-login-expiring',
      at: now.toISOString(),
      message: `the login of account ${login.account} ${when} (${login.expiresAt}): CLAUDE_CONFIG_DIR=${login.home} claude, then /login`,
      account: login.account,
      home: login.home,
      expiresAt: login.expiresAt,
    });
    state.accounts[login.account] = { exhaustedUntil: null, ...state.accounts[login.account], loginExpiryNotified: login.expiresAt };
  }
  return due.map((login) => login.account);
}
