/**
 * Whether an account's failed login is over, pure: the mark stays until someone logs in again (the account home's
 * `.credentials.json` written after the failure) or a turn on the account succeeds. Never "exhausted until": a
 * login does not come back by itself at a reset time.
 */

import type { AccountRecord } from '../../base/core/state.js';

/** The credentials file was written after the login failed: someone ran `/login` (or Claude Code renewed it). */
export function loginRenewed(record: AccountRecord | undefined, credentialsMtimeMs: number | null): boolean {
  const failedAt = typeof record?.loginFailedAt === 'string' ? Date.parse(record.loginFailedAt) : Number.NaN;
  return Number.isFinite(failedAt) && credentialsMtimeMs !== null && credentialsMtimeMs > failedAt;
}

/** The account is known to have a login that fails. */
export const loginFailed = (record: AccountRecord | undefined): boolean => typeof record?.loginFailedAt === 'string';
