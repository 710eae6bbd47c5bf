import { describe, expect, it } from 'vitest';
import { planOwnership, vanishCause, type OrphanClaim, type UnheldSession } from '../../../src/sessions/core/ownership.js';
import { retiringSessions } from '../../../src/sessions/core/pool-plan.js';

const claim = (taskName: string, project = '/p', over: Partial<OrphanClaim> = {}): OrphanClaim => ({
  claimed: `${project}/.agent-queue/inbox/${taskName}.dispatched`,
  project,
  taskName,
  ageMs: 10 * 60_000,
  foreignRunner: null,
  ...over,
});
const WINDOW = 90_000;
const session = (name: string, over: Partial<UnheldSession> = {}): UnheldSession => ({ name, claudeRunning: true, busy: false, cwd: '/p', submissions: [], ...over });
const sent = (taskName: string, timestamp = '2026-12-02T10:00:00Z') => ({ taskName, timestamp });

describe('who owns a claim no record holds', () => {
  it('the session whose conversation holds the task message re-owns it; one session owns one claim', () => {
    const steps = planOwnership([claim('a.md'), claim('b.md')], [
      session('s11', { submissions: [sent('b.md')] }),
      session('s12', { submissions: [sent('a.md', '2026-12-02T10:01:00Z')] }),
    ], WINDOW);
    expect(steps).toEqual([
      { kind: 'adopt', session: 's12', claim: claim('a.md'), submittedAt: '2026-12-02T10:01:00Z' },
      { kind: 'adopt', session: 's11', claim: claim('b.md'), submittedAt: '2026-12-02T10:00:00Z' },
    ]);
  });

  it('a task of the same name in another project: the session that registered the claim project wins; a foreign folder never proves it', () => {
    expect(planOwnership([claim('a.md', '/q')], [session('s11', { submissions: [sent('a.md')] }), session('s12', { cwd: '/q', submissions: [sent('a.md', '2026-12-02T09:00:00Z')] })], WINDOW))
      .toEqual([
        { kind: 'adopt', session: 's12', claim: claim('a.md', '/q'), submittedAt: '2026-12-02T09:00:00Z' },
        { kind: 'recycle', session: 's11', reason: 'ran a Claude Code no task explains' },
      ]);
    expect(planOwnership([claim('a.md', '/q')], [session('s11', { submissions: [sent('a.md')] })], WINDOW)).toEqual([
      { kind: 'give-back', claim: claim('a.md', '/q'), reason: 'claimed, but no session runs it' },
      { kind: 'recycle', session: 's11', reason: 'ran a Claude Code no task explains' },
    ]);
  });

  it('no proof: given back when no Claude Code could be running it unseen, else it waits for that session to be recycled', () => {
    expect(planOwnership([claim('a.md')], [session('s11', { claudeRunning: false })], WINDOW)).toEqual([{ kind: 'give-back', claim: claim('a.md'), reason: 'claimed, but no session runs it' }]);
    expect(planOwnership([claim('a.md')], [], WINDOW)).toEqual([{ kind: 'give-back', claim: claim('a.md'), reason: 'claimed, but no session runs it' }]);
    const steps = planOwnership([claim('a.md')], [session('s11', { cwd: null, busy: true })], WINDOW);
    expect(steps).toEqual([
      { kind: 'wait', claim: claim('a.md'), reason: 's11 runs a Claude Code in an unknown folder that may hold it; decided once that session is recycled' },
      { kind: 'leave', session: 's11', reason: 'runs a Claude Code turn no task explains; recycled once idle' },
    ]);
  });

  it('no proof, but someone else may hold it: a Claude Code outside the pool runs it, or the claim is younger than a launch', () => {
    expect(planOwnership([claim('a.md', '/p', { foreignRunner: 'ccl-b-1' })], [], WINDOW)).toEqual([
      { kind: 'wait', claim: claim('a.md', '/p', { foreignRunner: 'ccl-b-1' }), reason: 'runs in ccl-b-1, outside this pool' },
    ]);
    expect(planOwnership([claim('a.md', '/p', { ageMs: WINDOW - 1 })], [], WINDOW)).toEqual([
      { kind: 'wait', claim: claim('a.md', '/p', { ageMs: WINDOW - 1 }), reason: 'claimed moments ago: a launch may still be under way' },
    ]);
    expect(planOwnership([claim('a.md', '/p', { ageMs: WINDOW })], [], WINDOW)).toMatchObject([{ kind: 'give-back' }]);
  });

  it('a session at its shell proves nothing and is left as it is; an unexplained idle Claude Code is recycled, a busy one left to finish', () => {
    expect(planOwnership([], [session('s11', { claudeRunning: false, submissions: [sent('a.md')] })], WINDOW)).toEqual([]);
    expect(planOwnership([], [session('s11'), session('s12', { busy: true })], WINDOW)).toEqual([
      { kind: 'recycle', session: 's11', reason: 'ran a Claude Code no task explains' },
      { kind: 'leave', session: 's12', reason: 'runs a Claude Code turn no task explains; recycled once idle' },
    ]);
  });
});

describe('sessions that vanished together', () => {
  it.each([
    [{ recordedServer: '10:100', currentServer: null, known: 3, gone: 3 }, { shared: true, reason: 'all 3 sessions vanished at once' }],
    [{ recordedServer: '10:100', currentServer: null, known: 1, gone: 1 }, { shared: false }],
    [{ recordedServer: '10:100', currentServer: '11:200', known: 3, gone: 1 }, { shared: true, reason: 'the tmux server was restarted' }],
    [{ recordedServer: null, currentServer: null, known: 2, gone: 2 }, { shared: true, reason: 'all 2 sessions vanished at once' }],
    [{ recordedServer: '10:100', currentServer: '10:100', known: 3, gone: 1 }, { shared: false }],
    [{ recordedServer: null, currentServer: null, known: 1, gone: 1 }, { shared: false }],
    [{ recordedServer: '10:100', currentServer: '11:200', known: 3, gone: 0 }, { shared: false }],
  ])('%j → %j', (facts, cause) => {
    expect(vanishCause(facts)).toEqual(cause);
  });
});

describe('retiring pool sessions', () => {
  it('recorded sessions under the prefix outside the range, never dedicated ones nor other names', () => {
    const pool = { prefix: 'ccl-auto-', startIndex: 11, min: 1, max: 2 };
    expect(retiringSessions(pool, new Set(['ccl-auto-20']), ['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13', 'ccl-auto-9', 'ccl-auto-20', 'ccl-auto-x', 'ccl-auto-013', 'ccl-0']))
      .toEqual(['ccl-auto-13', 'ccl-auto-9']);
  });
});
