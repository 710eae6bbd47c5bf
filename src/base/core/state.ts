import { isOneOf, isRecord } from './json.js';

/** The shape of `<state_dir>/state.json` and the pure helpers around it. */

export const STATE_VERSION = 1;

export const SESSION_STATES = ['idle', 'working', 'stalled', 'failed'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export interface SessionRecord {
  state: SessionState;
  /** The claimed task file (`<project>/.agent-queue/inbox/T.md.dispatched`) while working. */
  task: string | null;
  project: string | null;
  /** When the session entered its current state (ISO time). */
  since: string;
  /** When a launch or run in this session last failed (ISO time); starts the cooldown. */
  lastFail: string | null;
  /** Attempts of the current task. */
  attempts: number;
  /** Extra facts owned by the session lifecycle (model, account, pane digest...), kept as-is by the store. */
  [extra: string]: unknown;
}

export interface AccountRecord {
  exhaustedUntil: string | null;
  /**
   * Since when the account's login is known to have failed (ISO; absent = null): set when a turn on it fails with
   * 401/403 or `authentication_failed`, cleared when a turn on it succeeds again. Owned by the session outcomes.
   */
  loginFailedAt?: string | null;
  /** The failed turn that set `loginFailedAt`: its session and Claude Code's message (never a token). */
  loginFailure?: { session: string; message: string } | null;
  /** The login expiry (ISO) an `account-login-expiring` event was raised for: one event per account per expiry. */
  loginExpiryNotified?: string | null;
  [extra: string]: unknown;
}

export interface SwapRecord {
  from: string | null;
  to: string;
  at: string;
  reason: string;
  [extra: string]: unknown;
}

export interface QuotaSuspicion {
  session: string;
  since: string;
  pattern: string;
  polls: number;
}

export interface Counters {
  dispatched: number;
  delegated: number;
  delegationCompleted: number;
  delegationFailed: number;
  delegationFellBack: number;
  swaps: number;
  [extra: string]: number;
}

export interface State {
  version: typeof STATE_VERSION;
  activeAccount: string | null;
  accounts: Record<string, AccountRecord>;
  sessions: Record<string, SessionRecord>;
  /** Newest last, at most SWAP_HISTORY entries. */
  swaps: SwapRecord[];
  /** The in-flight swap, if a swap is running or was killed (owned by swap-account / reconcile). */
  swapJournal: Record<string, unknown> | null;
  partialSwap: { since: string; reason: string } | null;
  quotaSuspicion: QuotaSuspicion | null;
  /** Recent quota detections, newest last (forensics for `status`). */
  detections: Array<Record<string, unknown>>;
  counters: Counters;
  /** Failed local runs per task, keyed by its pending path (`<project>/.agent-queue/inbox/T.md`); dropped when the
   *  task leaves the queue (owned by dispatch / reconcile). */
  taskAttempts: Record<string, TaskAttempts>;
  /**
   * The tmux server (`<pid>:<start time>`) reconcile last saw, absent when unknown: a different one means every session
   * went away with the old server, which is no task's fault (owned by reconcile).
   */
  tmuxServer?: string | null;
}

export interface TaskAttempts {
  count: number;
  lastError: string;
  at: string;
}

export const SWAP_HISTORY = 20;
export const DETECTION_HISTORY = 20;

export function emptyState(): State {
  return {
    version: STATE_VERSION,
    activeAccount: null,
    accounts: {},
    sessions: {},
    swaps: [],
    swapJournal: null,
    partialSwap: null,
    quotaSuspicion: null,
    detections: [],
    counters: { dispatched: 0, delegated: 0, delegationCompleted: 0, delegationFailed: 0, delegationFellBack: 0, swaps: 0 },
    taskAttempts: {},
  };
}

/**
 * `newer`: the file was written by a later build (its version is above ours). It is no damage to repair: reading it
 * as fresh would lose what it records (exhausted accounts, running tasks), so the store refuses it and leaves it.
 */
export type StateParse = { ok: true; state: State } | { ok: false; reason: string; newer?: number };

/**
 * Checks a parsed state document and fills in fields added since it was written. Anything structurally wrong is
 * reported as a reason (the store then moves the file aside) rather than half-trusted.
 */
export function normalizeState(document: unknown): StateParse {
  if (!isRecord(document)) return { ok: false, reason: 'not a JSON object' };
  if (typeof document.version === 'number' && Number.isInteger(document.version) && document.version > STATE_VERSION) {
    return { ok: false, reason: `state version ${document.version} is newer than this build reads (${STATE_VERSION})`, newer: document.version };
  }
  if (document.version !== STATE_VERSION) {
    return { ok: false, reason: `unsupported state version ${JSON.stringify(document.version)} (this build reads ${STATE_VERSION})` };
  }
  const base = emptyState();
  const checks: Array<[keyof State, (v: unknown) => boolean]> = [
    ['activeAccount', (v) => v === null || typeof v === 'string'],
    ['accounts', isRecord],
    ['sessions', isRecord],
    ['swaps', Array.isArray],
    ['swapJournal', (v) => v === null || isRecord(v)],
    ['partialSwap', (v) => v === null || isRecord(v)],
    ['quotaSuspicion', (v) => v === null || isRecord(v)],
    ['detections', Array.isArray],
    ['counters', isRecord],
    ['taskAttempts', isRecord],
  ];
  for (const [key, valid] of checks) {
    if (document[key] !== undefined && !valid(document[key])) return { ok: false, reason: `field "${key}" has the wrong type` };
  }
  for (const [name, session] of Object.entries((document.sessions ?? {}) as Record<string, unknown>)) {
    if (!isRecord(session) || !isOneOf(SESSION_STATES, session.state)) {
      return { ok: false, reason: `session "${name}" is malformed` };
    }
  }
  const state = { ...base, ...document } as State;
  state.counters = { ...base.counters, ...(document.counters as Partial<Counters> | undefined) } as Counters;
  return { ok: true, state };
}

/** A session record in its initial, idle form. */
export function idleSession(now: Date): SessionRecord {
  return { state: 'idle', task: null, project: null, since: now.toISOString(), lastFail: null, attempts: 0 };
}

/** Appends to a bounded history, dropping the oldest entries. */
export function pushBounded<T>(list: T[], item: T, limit: number): T[] {
  const next = [...list, item];
  return next.length > limit ? next.slice(next.length - limit) : next;
}
