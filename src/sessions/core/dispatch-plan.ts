import { PRIORITIES, isPoolSessionName, type Config, type Priority } from '../../base/core/config.js';
import type { SessionRecord } from '../../base/core/state.js';

/** A pending local task, as dispatch sees it. */
export interface CandidateTask {
  project: string;
  /** `T.md` */
  name: string;
  /** `<project>/.agent-queue/inbox/T.md` */
  path: string;
  priority: Priority;
  mtimeMs: number;
}

export interface SessionView {
  name: string;
  /** Present on the tmux server right now. */
  exists: boolean;
  record: SessionRecord | undefined;
  /** Claude Code's input box is already on the pane (someone is using it): never type a shell command into it. */
  claudeRunning: boolean;
}

export interface Assignment {
  session: string;
  task: CandidateTask;
}

export interface DispatchPlan {
  assignments: Assignment[];
  /** Sessions that could not take a task, and why (for the report). */
  unavailable: Array<{ session: string; reason: string }>;
  /** Free sessions left without a task. */
  idle: string[];
  /** Tasks left pending for lack of a free session. */
  waiting: CandidateTask[];
  /**
   * Free sessions whose reservation is void (its task left the queue): their saved conversation belongs to no
   * pending task, so dispatch drops the resume file before giving them another task.
   */
  staleReservations: string[];
}

/**
 * The task a pool session was working on when a swap stopped it: the session keeps that task's conversation
 * (`<resume_dir>/<session>-resume-id.txt`), so the task must go back to this session and no other task may.
 */
export function reservedTask(record: SessionRecord | undefined): string | null {
  const reserved = record?.resumeFor;
  return typeof reserved === 'string' ? reserved : null;
}

const RANK = new Map<Priority, number>(PRIORITIES.map((p, i) => [p, i]));

/** critical > high > default > low, then oldest first; the name breaks ties so the order is stable. */
export function orderTasks(tasks: readonly CandidateTask[]): CandidateTask[] {
  return [...tasks].sort(
    (a, b) =>
      (RANK.get(a.priority) ?? 9) - (RANK.get(b.priority) ?? 9) ||
      a.mtimeMs - b.mtimeMs ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

export interface AvailabilityRules {
  pool: Config['pool']['autonomous'];
  dedicated: ReadonlySet<string>;
  cooldownMs: number;
  now: Date;
}

/**
 * A session is free when it is a pool session inside the configured range (never a dedicated or any other
 * session), exists, is idle in the state (no record yet = a fresh session), shows no running Claude Code, and is
 * past the cooldown since its last failure.
 */
export function availability(view: SessionView, rules: AvailabilityRules): { free: true } | { free: false; reason: string } {
  if (rules.dedicated.has(view.name)) return { free: false, reason: 'dedicated session (never a dispatch target)' };
  if (!isPoolSessionName(view.name, rules.pool)) return { free: false, reason: 'not in the pool range' };
  if (!view.exists) return { free: false, reason: 'tmux session does not exist (reconcile creates it)' };
  const record = view.record;
  if (record && record.state !== 'idle') return { free: false, reason: `${record.state}${record.task ? ` on ${record.task}` : ''}` };
  if (record?.lastFail) {
    const readyAt = Date.parse(record.lastFail) + rules.cooldownMs;
    if (readyAt > rules.now.getTime()) return { free: false, reason: `cooling down until ${new Date(readyAt).toISOString()} after a failure` };
  }
  if (view.claudeRunning) return { free: false, reason: 'Claude Code is already running in the pane' };
  return { free: true };
}

function sessionIndex(name: string, prefix: string): number {
  return Number(name.slice(prefix.length));
}

/**
 * One task per free session, best task to the lowest-numbered session — except that a task interrupted by a swap
 * goes back to the session holding its conversation (and waits for it), and that session takes no other task.
 */
export function planDispatch(tasks: readonly CandidateTask[], sessions: readonly SessionView[], rules: AvailabilityRules): DispatchPlan {
  const unavailable: DispatchPlan['unavailable'] = [];
  const pending = new Set(tasks.map((t) => t.path));
  const reservedBy = new Map<string, string>();
  const staleReservations: string[] = [];
  const free: string[] = [];
  for (const view of sessions) {
    const reserved = reservedTask(view.record);
    const inPool = isPoolSessionName(view.name, rules.pool);
    if (reserved !== null && inPool && pending.has(reserved)) reservedBy.set(reserved, view.name);
    const verdict = availability(view, rules);
    if (verdict.free) {
      free.push(view.name);
      if (reserved !== null && !pending.has(reserved)) staleReservations.push(view.name);
    } else if (inPool) unavailable.push({ session: view.name, reason: verdict.reason });
  }
  free.sort((a, b) => sessionIndex(a, rules.pool.prefix) - sessionIndex(b, rules.pool.prefix));
  const ordered = orderTasks(tasks);

  const assignments: Assignment[] = [];
  const taken = new Set<string>();
  for (const task of ordered) {
    const session = reservedBy.get(task.path);
    if (session !== undefined && free.includes(session)) {
      assignments.push({ session, task });
      taken.add(session);
    }
  }
  const reservedSessions = new Set(reservedBy.values());
  const open = free.filter((name) => !taken.has(name) && !reservedSessions.has(name));
  const waiting: CandidateTask[] = [];
  for (const task of ordered) {
    if (reservedBy.has(task.path)) {
      if (!assignments.some((a) => a.task === task)) waiting.push(task);
      continue;
    }
    const session = open.shift();
    if (session === undefined) waiting.push(task);
    else assignments.push({ session, task });
  }
  return {
    assignments,
    unavailable,
    idle: open,
    waiting,
    staleReservations,
  };
}
