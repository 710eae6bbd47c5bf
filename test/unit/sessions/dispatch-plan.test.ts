import { describe, expect, it } from 'vitest';
import { availability, orderTasks, planDispatch, type CandidateTask, type SessionView } from '../../../src/sessions/core/dispatch-plan.js';
import { idleSession } from '../../../src/base/core/state.js';

const now = new Date('2026-11-21T12:00:00Z');
const pool = { prefix: 'ccl-auto-', startIndex: 11, min: 3, max: 3 };
const rules = { pool, dedicated: new Set(['ccl-1-conformvault']), cooldownMs: 5 * 60_000, now };

const task = (name: string, priority: CandidateTask['priority'], mtimeMs: number): CandidateTask => ({
  project: '/p',
  name,
  path: `/p/.agent-queue/inbox/${name}`,
  priority,
  mtimeMs,
});
const view = (name: string, extra: Partial<SessionView> = {}): SessionView => ({ name, exists: true, record: undefined, claudeRunning: false, ...extra });

describe('orderTasks', () => {
  it('critical > high > default > low, then oldest first', () => {
    const ordered = orderTasks([task('low.md', 'low', 1), task('new-high.md', 'high', 50), task('def.md', 'default', 2), task('old-high.md', 'high', 10), task('crit.md', 'critical', 99)]);
    expect(ordered.map((t) => t.name)).toEqual(['crit.md', 'old-high.md', 'new-high.md', 'def.md', 'low.md']);
  });
});

describe('availability', () => {
  it('a fresh or idle pool session inside the range is free', () => {
    expect(availability(view('ccl-auto-11'), rules)).toEqual({ free: true });
    expect(availability(view('ccl-auto-12', { record: idleSession(now) }), rules)).toEqual({ free: true });
  });

  it.each([
    ['ccl-1-conformvault', 'dedicated'],
    ['ccl-auto-1', 'not in the pool range'],
    ['ccl-auto-110', 'not in the pool range'],
    ['ccl-auto-14', 'not in the pool range'],
    ['ccl-auto-011', 'not in the pool range'],
    ['ccl-0', 'not in the pool range'],
  ])('%s is never a target (%s)', (name, reason) => {
    const verdict = availability(view(name), rules);
    expect(verdict.free).toBe(false);
    expect(verdict).toMatchObject({ reason: expect.stringContaining(reason) });
  });

  it('not existing, working, a running Claude Code, or cooling down: not free', () => {
    expect(availability(view('ccl-auto-11', { exists: false }), rules).free).toBe(false);
    expect(availability(view('ccl-auto-11', { record: { ...idleSession(now), state: 'working', task: '/t.md.dispatched' } }), rules).free).toBe(false);
    expect(availability(view('ccl-auto-11', { claudeRunning: true }), rules).free).toBe(false);
    const failedAt = (msAgo: number) => ({ ...idleSession(now), lastFail: new Date(now.getTime() - msAgo).toISOString() });
    expect(availability(view('ccl-auto-11', { record: failedAt(60_000) }), rules).free).toBe(false);
    expect(availability(view('ccl-auto-11', { record: failedAt(5 * 60_000) }), rules).free).toBe(true);
  });
});

describe('planDispatch', () => {
  it('best task to the lowest-numbered free session, one task each', () => {
    const plan = planDispatch(
      [task('a.md', 'default', 1), task('b.md', 'critical', 5), task('c.md', 'low', 0)],
      [view('ccl-auto-13'), view('ccl-auto-11'), view('ccl-auto-1'), view('ccl-1-conformvault')],
      rules,
    );
    expect(plan.assignments.map((a) => [a.session, a.task.name])).toEqual([
      ['ccl-auto-11', 'b.md'],
      ['ccl-auto-13', 'a.md'],
    ]);
    expect(plan.waiting.map((t) => t.name)).toEqual(['c.md']);
    expect(plan.idle).toEqual([]);
    expect(plan.unavailable).toEqual([]);
  });

  it('reports free sessions left over and the unavailable ones with reasons', () => {
    const working = { ...idleSession(now), state: 'working' as const, task: '/p/x.md.dispatched' };
    const plan = planDispatch([task('a.md', 'default', 1)], [view('ccl-auto-11', { record: working }), view('ccl-auto-12'), view('ccl-auto-13')], rules);
    expect(plan.assignments.map((a) => a.session)).toEqual(['ccl-auto-12']);
    expect(plan.idle).toEqual(['ccl-auto-13']);
    expect(plan.unavailable).toEqual([{ session: 'ccl-auto-11', reason: 'working on /p/x.md.dispatched' }]);
  });
});

describe('reservations left by a swap', () => {
  const reserved = (name: string, path: string): SessionView => view(name, { record: { ...idleSession(now), resumeFor: path } });

  it('the interrupted task goes back to its session, and no other task takes that session', () => {
    const interrupted = task('a.md', 'low', 1);
    const urgent = task('urgent.md', 'critical', 2);
    const plan = planDispatch([interrupted, urgent], [reserved('ccl-auto-11', interrupted.path), view('ccl-auto-12')], rules);
    expect(plan.assignments.map((a) => [a.session, a.task.name])).toEqual([['ccl-auto-11', 'a.md'], ['ccl-auto-12', 'urgent.md']]);
  });

  it('the task waits for its reserved session rather than starting elsewhere without its conversation', () => {
    const interrupted = task('a.md', 'critical', 1);
    const busy = view('ccl-auto-11', { record: { ...idleSession(now), state: 'working', task: '/p/x.md.dispatched', resumeFor: interrupted.path } });
    const plan = planDispatch([interrupted], [busy, view('ccl-auto-12')], rules);
    expect(plan.assignments).toEqual([]);
    expect(plan.waiting.map((t) => t.name)).toEqual(['a.md']);
    expect(plan.idle).toEqual(['ccl-auto-12']);
  });

  it('a reservation whose task left the queue is reported stale and the session is free for others', () => {
    const other = task('b.md', 'default', 1);
    const plan = planDispatch([other], [reserved('ccl-auto-11', '/p/.agent-queue/inbox/gone.md')], rules);
    expect(plan.staleReservations).toEqual(['ccl-auto-11']);
    expect(plan.assignments.map((a) => [a.session, a.task.name])).toEqual([['ccl-auto-11', 'b.md']]);
  });
});
