import { describe, expect, it } from 'vitest';
import { loginFailed, loginRenewed } from '../../../src/accounts/core/login-failure.js';

describe('a failed login is over when the credentials were written after it', () => {
  const at = '2026-12-02T10:00:00.000Z';
  const failed = { exhaustedUntil: null, loginFailedAt: at };
  it.each([
    ['written after the failure', failed, Date.parse(at) + 1, true],
    ['written before it', failed, Date.parse(at) - 1, false],
    ['written at the same instant', failed, Date.parse(at), false],
    ['no credentials file', failed, null, false],
    ['no failure', { exhaustedUntil: null }, Date.parse(at) + 1, false],
    ['a garbled time', { exhaustedUntil: null, loginFailedAt: 'soon' }, Date.parse(at) + 1, false],
  ])('%s', (_name, record, mtime, expected) => {
    expect(loginRenewed(record, mtime)).toBe(expected);
  });

  it('loginFailed reads the mark', () => {
    expect(loginFailed({ exhaustedUntil: null, loginFailedAt: null })).toBe(false);
    expect(loginFailed(undefined)).toBe(false);
    expect(loginFailed(failed)).toBe(true);
  });
});
