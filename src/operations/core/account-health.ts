/**
 * What an operator needs to know of each account's health, decided without I/O: from the state's record, and from
 * the few facts taken out of the account's `.credentials.json`. Tokens never leave the parse: only whether the file
 * exists, when its login expires, and whether it carries a refresh token survive it.
 */

import { formatDuration } from '../../base/core/duration.js';
import { unreachable } from '../../base/core/errors.js';
import { isRecord } from '../../base/core/json.js';
import type { Account } from '../../base/core/config.js';
import type { AccountRecord } from '../../base/core/state.js';

export interface CredentialFacts {
  /** `<home>/.credentials.json` exists (a file). */
  present: boolean;
  /** `claudeAiOauth.expiresAt` (epoch ms) as ISO time; null when absent or not a time. */
  expiresAt: string | null;
  /**
   * A refresh token is present: the expiry is that of a short-lived access token that Claude Code renews by itself,
   * not the end of the login.
   */
  renewable: boolean;
  /** Why the file could not be read as credentials (not JSON, too large…); null when it could or is absent. */
  problem: string | null;
}

export const NO_CREDENTIALS: CredentialFacts = { present: false, expiresAt: null, renewable: false, problem: null };

/** Reads the expiry facts out of a `.credentials.json` text. The parsed object is dropped here, tokens with it. */
export function credentialFacts(text: string): CredentialFacts {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { present: true, expiresAt: null, renewable: false, problem: 'not valid JSON' };
  }
  const oauth = isRecord(document) && isRecord(document.claudeAiOauth) ? document.claudeAiOauth : null;
  if (!oauth) return { present: true, expiresAt: null, renewable: false, problem: null };
  const expires = oauth.expiresAt;
  // Epoch milliseconds between 2001 and 2286: anything else is not the field we know.
  const valid = typeof expires === 'number' && Number.isFinite(expires) && expires > 1e12 && expires < 1e13;
  return {
    present: true,
    expiresAt: valid ? new Date(expires).toISOString() : null,
    renewable: typeof oauth.refreshToken === 'string' && oauth.refreshToken.length > 0,
    problem: null,
  };
}

export interface AccountHealth {
  name: string;
  home: string;
  active: boolean;
  /** Until when it is known to be exhausted (ISO, future only); null when usable. */
  exhaustedUntil: string | null;
  /** Since when its login is known to have failed (ISO); null when not known to have failed. */
  loginFailedAt: string | null;
  loginFailure: { session: string; message: string } | null;
  credentialsPresent: boolean;
  loginExpiresAt: string | null;
  loginRenewable: boolean;
  credentialsProblem: string | null;
}

export function accountHealth(account: Account, record: AccountRecord | undefined, credentials: CredentialFacts, activeName: string, now: Date): AccountHealth {
  const until = record?.exhaustedUntil ?? null;
  const failure = record?.loginFailure;
  return {
    name: account.name,
    home: account.home,
    active: account.name === activeName,
    exhaustedUntil: until !== null && Date.parse(until) > now.getTime() ? until : null,
    loginFailedAt: typeof record?.loginFailedAt === 'string' ? record.loginFailedAt : null,
    loginFailure: isRecord(failure) && typeof failure.session === 'string' && typeof failure.message === 'string' ? { session: failure.session, message: failure.message } : null,
    credentialsPresent: credentials.present,
    loginExpiresAt: credentials.expiresAt,
    loginRenewable: credentials.renewable,
    credentialsProblem: credentials.problem,
  };
}

/**
 * Where the login's expiry stands. A renewable login (refresh token present) is never "expiring": Claude Code
 * renews its access token itself, and a renewal that fails shows up as a failed login instead.
 */
export type LoginExpiry =
  | { kind: 'unknown' }
  | { kind: 'renewable'; at: string }
  | { kind: 'valid'; at: string; inMs: number }
  | { kind: 'expiring'; at: string; inMs: number }
  | { kind: 'expired'; at: string; agoMs: number };

export function loginExpiry(health: Pick<AccountHealth, 'loginExpiresAt' | 'loginRenewable'>, now: Date, warningMs: number): LoginExpiry {
  const at = health.loginExpiresAt;
  if (at === null) return { kind: 'unknown' };
  if (health.loginRenewable) return { kind: 'renewable', at };
  const inMs = Date.parse(at) - now.getTime();
  if (inMs <= 0) return { kind: 'expired', at, agoMs: -inMs };
  return inMs <= warningMs ? { kind: 'expiring', at, inMs } : { kind: 'valid', at, inMs };
}

export interface AccountVerdict {
  level: 'ok' | 'warning' | 'error';
  detail: string;
  fix: string | null;
}

/** `doctor`'s check of one account whose home exists: the worst of its facts decides the level; every fact is said. */
export function accountVerdict(health: AccountHealth, now: Date, warningMs: number): AccountVerdict {
  const login = `CLAUDE_CONFIG_DIR=${health.home} claude, then /login`;
  const facts = [health.home, health.active ? 'active' : 'standby'];
  if (health.exhaustedUntil) facts.push(`exhausted until ${health.exhaustedUntil}`);
  if (health.loginFailedAt) {
    facts.push(`login failed since ${health.loginFailedAt}${health.loginFailure ? ` (${health.loginFailure.session}: ${health.loginFailure.message})` : ''}`);
    return { level: 'error', detail: facts.join('; '), fix: login };
  }
  if (!health.credentialsPresent) {
    facts.push('no .credentials.json (not logged in?)');
    return { level: 'warning', detail: facts.join('; '), fix: login };
  }
  if (health.credentialsProblem) {
    facts.push(`.credentials.json: ${health.credentialsProblem}`);
    return { level: 'warning', detail: facts.join('; '), fix: login };
  }
  facts.push('credentials present');
  const expiry = loginExpiry(health, now, warningMs);
  switch (expiry.kind) {
    case 'unknown':
      return { level: 'ok', detail: facts.join('; '), fix: null };
    case 'renewable':
      facts.push(`access token expires ${expiry.at} (renewed by Claude Code: refresh token present)`);
      return { level: 'ok', detail: facts.join('; '), fix: null };
    case 'valid':
      facts.push(`login expires ${expiry.at} (in ${formatDuration(expiry.inMs)})`);
      return { level: 'ok', detail: facts.join('; '), fix: null };
    case 'expiring':
      facts.push(`login expires ${expiry.at} (in ${formatDuration(expiry.inMs)})`);
      return { level: 'warning', detail: facts.join('; '), fix: `log in again before then: ${login}` };
    case 'expired':
      facts.push(`login expired ${expiry.at} (${formatDuration(expiry.agoMs)} ago)`);
      return { level: 'warning', detail: facts.join('; '), fix: login };
    default:
      return unreachable(expiry, 'login expiry');
  }
}

export interface ExpiringLogin {
  account: string;
  home: string;
  expiresAt: string;
  /** Milliseconds left; 0 or less when it has already expired. */
  inMs: number;
}

/**
 * The logins to tell the operator about now: expiring within the warning time (or expired) and not yet told about
 * for this expiry. A new login has a new expiry, so it is told about again when its own time comes.
 */
export function loginsToAnnounce(healths: readonly AccountHealth[], records: Record<string, AccountRecord>, now: Date, warningMs: number): ExpiringLogin[] {
  const due: ExpiringLogin[] = [];
  for (const health of healths) {
    const expiry = loginExpiry(health, now, warningMs);
    if (expiry.kind !== 'expiring' && expiry.kind !== 'expired') continue;
    if (records[health.name]?.loginExpiryNotified === expiry.at) continue;
    due.push({ account: health.name, home: health.home, expiresAt: expiry.at, inMs: expiry.kind === 'expiring' ? expiry.inMs : -expiry.agoMs });
  }
  return due;
}
