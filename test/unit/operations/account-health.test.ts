import { describe, expect, it } from 'vitest';
import { accountHealth, accountVerdict, credentialFacts, loginExpiry, loginsToAnnounce, type AccountHealth } from '../../../src/operations/core/account-health.js';

const now = new Date('2026-12-02T12:00:00Z');
const DAY = 86_400_000;
const TOKEN = 'sk-ant-oat01-THIS-MUST-NEVER-SHOW';

const credentials = (oauth: Record<string, unknown>) => JSON.stringify({ claudeAiOauth: { accessToken: TOKEN, ...oauth } });

function healthOf(over: Partial<AccountHealth> = {}): AccountHealth {
  return {
    name: 'main', home: '/h/.claude-main', active: true, exhaustedUntil: null, loginFailedAt: null, loginFailure: null,
    credentialsPresent: true, loginExpiresAt: null, loginRenewable: false, credentialsProblem: null, ...over,
  };
}

describe('credential facts', () => {
  it('keeps the expiry and whether a refresh token exists, and nothing of the tokens', () => {
    const facts = credentialFacts(credentials({ refreshToken: `${TOKEN}-refresh`, expiresAt: now.getTime() + DAY, subscriptionType: 'max' }));
    expect(facts).toEqual({ present: true, expiresAt: '2026-12-03T12:00:00.000Z', renewable: true, problem: null });
    expect(JSON.stringify(facts)).not.toContain(TOKEN);
  });

  it('reads what is not the expected shape as no expiry, and broken JSON as a problem', () => {
    expect(credentialFacts(credentials({ expiresAt: '2026-12-03' }))).toMatchObject({ expiresAt: null, renewable: false });
    expect(credentialFacts(credentials({ expiresAt: 1796000000 }))).toMatchObject({ expiresAt: null }); // seconds, not ms
    expect(credentialFacts('{"other": 1}')).toEqual({ present: true, expiresAt: null, renewable: false, problem: null });
    expect(credentialFacts(`{"claudeAiOauth": {"accessToken": "${TOKEN}"`)).toEqual({ present: true, expiresAt: null, renewable: false, problem: 'not valid JSON' });
  });
});

describe('account health', () => {
  it('takes the login-failed mark and a future exhaustion from the state record', () => {
    const record = { exhaustedUntil: '2026-12-02T15:00:00.000Z', loginFailedAt: '2026-12-02T11:00:00.000Z', loginFailure: { session: 'ccl-auto-11', message: 'Please run /login' } };
    const health = accountHealth({ name: 'main', home: '/h/m' }, record, { present: true, expiresAt: null, renewable: false, problem: null }, 'main', now);
    expect(health).toMatchObject({ active: true, exhaustedUntil: '2026-12-02T15:00:00.000Z', loginFailedAt: '2026-12-02T11:00:00.000Z', loginFailure: { session: 'ccl-auto-11' } });
    const past = accountHealth({ name: 'main', home: '/h/m' }, { exhaustedUntil: '2026-12-02T11:00:00.000Z' }, { present: false, expiresAt: null, renewable: false, problem: null }, 'backup', now);
    expect(past).toMatchObject({ active: false, exhaustedUntil: null, loginFailedAt: null, loginFailure: null, credentialsPresent: false });
  });

  it('a login expiry is expiring within the warning time, expired after it, and never expiring when renewable', () => {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    expect(loginExpiry(healthOf({ loginExpiresAt: at(5 * DAY) }), now, 3 * DAY).kind).toBe('valid');
    expect(loginExpiry(healthOf({ loginExpiresAt: at(2 * DAY) }), now, 3 * DAY).kind).toBe('expiring');
    expect(loginExpiry(healthOf({ loginExpiresAt: at(-1000) }), now, 3 * DAY).kind).toBe('expired');
    expect(loginExpiry(healthOf({ loginExpiresAt: at(60_000), loginRenewable: true }), now, 3 * DAY).kind).toBe('renewable');
    expect(loginExpiry(healthOf(), now, 3 * DAY).kind).toBe('unknown');
  });

  it("doctor's verdict: an error with the login fix for a failed login, a warning before expiry, ok otherwise", () => {
    const failed = accountVerdict(healthOf({ loginFailedAt: '2026-12-02T11:00:00.000Z', loginFailure: { session: 'ccl-auto-12', message: 'API Error: 401' }, exhaustedUntil: '2026-12-02T15:00:00.000Z' }), now, 3 * DAY);
    expect(failed).toEqual({
      level: 'error',
      detail: '/h/.claude-main; active; exhausted until 2026-12-02T15:00:00.000Z; login failed since 2026-12-02T11:00:00.000Z (ccl-auto-12: API Error: 401)',
      fix: 'CLAUDE_CONFIG_DIR=/h/.claude-main claude, then /login',
    });
    const expiring = accountVerdict(healthOf({ loginExpiresAt: '2026-12-03T12:00:00.000Z' }), now, 3 * DAY);
    expect(expiring).toMatchObject({ level: 'warning', detail: expect.stringContaining('login expires 2026-12-03T12:00:00.000Z (in 1d)'), fix: expect.stringContaining('/login') });
    expect(accountVerdict(healthOf({ loginExpiresAt: '2026-12-03T12:00:00.000Z', loginRenewable: true }), now, 3 * DAY)).toMatchObject({ level: 'ok', detail: expect.stringContaining('renewed by Claude Code') });
    expect(accountVerdict(healthOf({ credentialsPresent: false, active: false }), now, 3 * DAY)).toMatchObject({ level: 'warning', detail: expect.stringContaining('standby; no .credentials.json') });
    expect(accountVerdict(healthOf({ loginExpiresAt: '2027-06-01T00:00:00.000Z' }), now, 3 * DAY)).toMatchObject({ level: 'ok' });
  });

  it('announces each expiry once: a login already told about is not told again, a new expiry is', () => {
    const soon = '2026-12-03T00:00:00.000Z';
    const healths = [healthOf({ loginExpiresAt: soon }), healthOf({ name: 'backup', home: '/h/.claude-backup', loginExpiresAt: '2027-06-01T00:00:00.000Z' })];
    expect(loginsToAnnounce(healths, {}, now, 3 * DAY)).toEqual([{ account: 'main', home: '/h/.claude-main', expiresAt: soon, inMs: 12 * 3_600_000 }]);
    expect(loginsToAnnounce(healths, { main: { exhaustedUntil: null, loginExpiryNotified: soon } }, now, 3 * DAY)).toEqual([]);
    const renewed = [healthOf({ loginExpiresAt: '2026-12-04T00:00:00.000Z' })];
    expect(loginsToAnnounce(renewed, { main: { exhaustedUntil: null, loginExpiryNotified: soon } }, now, 3 * DAY)).toHaveLength(1);
  });
});
