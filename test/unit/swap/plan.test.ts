import { describe, expect, it } from 'vitest';
import type { Account } from '../../../src/base/core/config.js';
import { idleSession, type SessionRecord } from '../../../src/base/core/state.js';
import { chooseTarget, planSwapSessions, resumeCommandLine, type SessionFacts } from '../../../src/swap/core/plan.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const accounts: Account[] = [
  { name: 'main', home: '/h/.claude-main' },
  { name: 'backup', home: '/h/.claude-backup' },
  { name: 'third', home: '/h/.claude-third' },
];
const [main, backup, third] = accounts as [Account, Account, Account];
const later = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();
const choose = (active: Account, records: Record<string, { exhaustedUntil: string | null; loginFailedAt?: string | null }> = {}, requested: string | null = null) =>
  chooseTarget({ accounts, active, records, now: NOW, requested });

describe('chooseTarget: the next account in failover order that is not exhausted', () => {
  it('takes the account after the active one, wrapping around the list', () => {
    expect(choose(main)).toMatchObject({ ok: true, target: backup });
    expect(choose(backup)).toMatchObject({ ok: true, target: third });
    expect(choose(third)).toMatchObject({ ok: true, target: main });
  });

  it('skips exhausted accounts; a reset that has passed makes an account usable again', () => {
    expect(choose(main, { backup: { exhaustedUntil: later(2) } })).toMatchObject({ ok: true, target: third });
    expect(choose(main, { backup: { exhaustedUntil: later(-1) } })).toMatchObject({ ok: true, target: backup });
    expect(choose(main, { backup: { exhaustedUntil: 'garbage' } })).toMatchObject({ ok: true, target: backup });
  });

  it('every other account exhausted: blocked, with the earliest reset of all accounts', () => {
    const choice = choose(main, { main: { exhaustedUntil: later(1) }, backup: { exhaustedUntil: later(5) }, third: { exhaustedUntil: later(3) } });
    expect(choice).toEqual({ ok: false, code: 'all-exhausted', earliestReset: later(1), message: `all accounts exhausted until ${later(1)}` });
  });

  it('a single configured account has nowhere to go: it stays active while it serves, all-exhausted once it does not', () => {
    const single = (records: Record<string, { exhaustedUntil: string | null }>) => chooseTarget({ accounts: [main], active: main, records, now: NOW, requested: null });
    expect(single({})).toEqual({ ok: false, code: 'no-other-usable', earliestReset: null, message: 'no other account to swap to (only main is configured); main stays active' });
    expect(single({ main: { exhaustedUntil: later(1) } })).toMatchObject({ ok: false, code: 'all-exhausted', message: expect.stringContaining('no other account') });
  });

  it('no other account usable while the active one is: it stays active, with each other account\'s reset (not "all exhausted")', () => {
    expect(choose(main, { backup: { exhaustedUntil: later(5) }, third: { exhaustedUntil: later(3) } })).toEqual({
      ok: false,
      code: 'no-other-usable',
      earliestReset: later(3),
      message: `no other usable account (backup exhausted until ${later(5)}, third exhausted until ${later(3)}); main stays active`,
    });
    // The active account's own reset passed: it serves again.
    expect(choose(main, { main: { exhaustedUntil: later(-1) }, backup: { exhaustedUntil: later(5) }, third: { exhaustedUntil: later(3) } })).toMatchObject({ code: 'no-other-usable' });
  });

  it('--to picks that account, even an exhausted one (with a warning); an unknown name is refused', () => {
    expect(choose(main, {}, 'third')).toEqual({ ok: true, target: third, warning: null });
    expect(choose(main, { third: { exhaustedUntil: later(2) } }, 'third')).toMatchObject({ ok: true, target: third, warning: expect.stringContaining('exhausted until') });
    expect(choose(main, {}, 'nope')).toMatchObject({ ok: false, code: 'unknown-account', message: expect.stringContaining('main, backup, third') });
  });
});

describe('chooseTarget: an account whose login failed does not serve', () => {
  const failed = { exhaustedUntil: null, loginFailedAt: later(-1) };
  it('is skipped as a target, and a failed login cleared (null) is usable again', () => {
    expect(choose(main, { backup: failed })).toMatchObject({ ok: true, target: third });
    expect(choose(main, { backup: { exhaustedUntil: null, loginFailedAt: null } })).toMatchObject({ ok: true, target: backup });
  });

  it('an active account with a failed login does not stay active: the next one that serves is chosen, or none', () => {
    expect(choose(main, { main: failed })).toMatchObject({ ok: true, target: backup });
    const choice = choose(main, { main: failed, backup: failed, third: { exhaustedUntil: later(3) } });
    expect(choice).toMatchObject({ ok: false, code: 'all-exhausted', earliestReset: later(3) });
    expect(choice.ok === false && choice.message).toBe(`no account can serve (main login failed since ${later(-1)}, backup login failed since ${later(-1)}, third exhausted until ${later(3)}); log in again to main, backup`);
  });

  it('the active one serving while the others do not: it stays active, saying why', () => {
    expect(choose(main, { backup: failed, third: { exhaustedUntil: later(3) } })).toMatchObject({
      ok: false, code: 'no-other-usable', message: `no other usable account (backup login failed since ${later(-1)}, third exhausted until ${later(3)}); main stays active`,
    });
  });

  it('--to a login-failed account is allowed, with a warning', () => {
    expect(choose(main, { third: failed }, 'third')).toMatchObject({ ok: true, target: third, warning: expect.stringContaining('login failed') });
  });
});

const ID_A = '0b7a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
const ID_B = 'fd694bc5-3cca-4bcc-93d1-d2fb004ae3ea';
const working = (task: string, extra: Record<string, unknown> = {}): SessionRecord => ({
  ...idleSession(NOW), state: 'working', task, project: '/p', ...extra,
});
const facts = (overrides: Partial<SessionFacts> & Pick<SessionFacts, 'name'>): SessionFacts => ({
  kind: 'pool', project: null, record: undefined, registry: null, recorded: null, written: null, paneHint: null, menu: false, processes: [], ...overrides,
});

describe('planSwapSessions: what each stopped session resumes', () => {
  it('a working pool session keeps its conversation (registry first) and its task; an idle one comes back fresh', () => {
    const plan = planSwapSessions([
      facts({ name: 'ccl-auto-11', record: working('/p/.agent-queue/inbox/a.md.dispatched'), registry: { sessionId: ID_A.toUpperCase(), cwd: '/p' }, paneHint: ID_B }),
      facts({ name: 'ccl-auto-12', record: idleSession(NOW), registry: { sessionId: ID_B, cwd: '/p' } }),
    ], '/h');
    expect(plan.sessions).toEqual([
      { name: 'ccl-auto-11', kind: 'pool', cwd: '/h', resumeId: ID_A, task: '/p/.agent-queue/inbox/a.md.dispatched', project: '/p', stopped: false, launching: false, done: false },
      { name: 'ccl-auto-12', kind: 'pool', cwd: '/h', resumeId: null, task: null, project: null, stopped: false, launching: false, done: false },
    ]);
  });

  it('without a registry entry the pane hint is used, then the id an interrupted dispatch had taken', () => {
    const [hinted, launched, none] = planSwapSessions([
      facts({ name: 'ccl-auto-11', record: working('/p/a.md.dispatched'), paneHint: ID_B }),
      facts({ name: 'ccl-auto-12', record: working('/p/b.md.dispatched', { launch: { resumeId: ID_A } }) }),
      facts({ name: 'ccl-auto-13', record: working('/p/c.md.dispatched', { launch: { resumeId: 'not-a-uuid' } }) }),
    ], '/h').sessions;
    expect([hinted?.resumeId, launched?.resumeId, none?.resumeId]).toEqual([ID_B, ID_A, null]);
  });

  it('a pool session resumes the conversation its launch recorded, before the registry, the hint and the intent', () => {
    const ID_C = '11111111-2222-4333-8444-555555555555';
    const [recorded, registryOnly] = planSwapSessions([
      facts({ name: 'ccl-auto-11', record: working('/p/a.md.dispatched', { launch: { resumeId: ID_C } }), recorded: ID_A, registry: { sessionId: ID_B, cwd: '/p' }, paneHint: ID_C }),
      facts({ name: 'ccl-auto-12', record: working('/p/b.md.dispatched'), recorded: 'not-a-uuid', registry: { sessionId: ID_B, cwd: '/p' } }),
    ], '/h').sessions;
    expect([recorded?.resumeId, registryOnly?.resumeId]).toEqual([ID_A, ID_B]);
  });

  it('an idle pool session resumes nothing even with a recorded id; the stop waits for every pane process', () => {
    const plan = planSwapSessions([
      facts({ name: 'ccl-auto-11', record: idleSession(NOW), recorded: ID_A, processes: [10, 11] }),
      facts({ name: 'ccl-1-x', kind: 'dedicated', project: '/src/x', processes: [11, 12] }),
    ], '/h');
    expect(plan.sessions.map((s) => s.resumeId)).toEqual([null, null]);
    expect(plan.processes).toEqual([10, 11, 12]);
  });

  it('a dedicated session without a registry entry resumes what its process writes, before the pane hint', () => {
    const [registry, written, hinted] = planSwapSessions([
      facts({ name: 'ccl-1-x', kind: 'dedicated', project: '/src/x', registry: { sessionId: ID_A, cwd: '/src/x' }, written: ID_B }),
      facts({ name: 'ccl-2-y', kind: 'dedicated', project: '/src/y', written: ID_B, paneHint: ID_A }),
      facts({ name: 'ccl-3-z', kind: 'dedicated', project: '/src/z', written: 'bogus', paneHint: ID_A }),
    ], '/h').sessions;
    expect([registry?.resumeId, written?.resumeId, hinted?.resumeId]).toEqual([ID_A, ID_B, ID_A]);
  });

  it('a stalled session is still working on its task; a failed one holds none', () => {
    const [stalled, failed] = planSwapSessions([
      facts({ name: 'ccl-auto-11', record: { ...working('/p/a.md.dispatched'), state: 'stalled' } }),
      facts({ name: 'ccl-auto-12', record: { ...working('/p/b.md.dispatched'), state: 'failed' } }),
    ], '/h').sessions;
    expect(stalled?.task).toBe('/p/a.md.dispatched');
    expect(failed?.task).toBeNull();
  });

  it('a dedicated session resumes in its conversation folder (else its project), and open menus are listed', () => {
    const plan = planSwapSessions([
      facts({ name: 'ccl-1-x', kind: 'dedicated', project: '/src/x', registry: { sessionId: ID_A, cwd: '/src/x/sub' }, menu: true }),
      facts({ name: 'ccl-2-y', kind: 'dedicated', project: '/src/y', paneHint: ID_B }),
      facts({ name: 'ccl-3-z', kind: 'dedicated', project: '/src/z', registry: { sessionId: 'bogus', cwd: 'relative' } }),
    ], '/h');
    expect(plan.sessions.map((s) => [s.name, s.cwd, s.resumeId])).toEqual([['ccl-1-x', '/src/x/sub', ID_A], ['ccl-2-y', '/src/y', ID_B], ['ccl-3-z', '/src/z', null]]);
    expect(plan.menus).toEqual(['ccl-1-x']);
  });
});

describe('resumeCommandLine', () => {
  it('quotes paths, names the new home and the conversation, and refuses anything but a UUID', () => {
    expect(resumeCommandLine({ cwd: "/src/it's here", home: '/h/.claude-backup', claudeCommand: 'claude', resumeId: ID_A })).toBe(
      `cd '/src/it'\\''s here' && CLAUDE_CONFIG_DIR='/h/.claude-backup' claude --dangerously-skip-permissions --resume ${ID_A}`,
    );
    expect(() => resumeCommandLine({ cwd: '/', home: '/h', claudeCommand: 'claude', resumeId: '$(rm -rf /)' })).toThrow(/not a session UUID/);
  });
});
