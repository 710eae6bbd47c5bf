/**
 * The facts the session lifecycle (dispatch / reconcile) keeps in a session record beside the common fields of
 * state.json. The store keeps extra fields as they are; this is their typed view.
 */

import type { Config } from '../../base/core/config.js';
import { idleSession, type SessionRecord, type State } from '../../base/core/state.js';
import { isUuid } from '../../base/core/uuid.js';

export interface LaunchIntent {
  /** The run that wrote it; a record still carrying it after that run ended is an interrupted dispatch. */
  pid: number;
  startedAt: string;
  /** The task's pending path before the claim (`inbox/T.md`). */
  pending: string;
  /** The resume id taken from `<resume_dir>/<session>-resume-id.txt` (restored if the launch is undone). */
  resumeId: string | null;
}

export interface LifecycleFields {
  /** Claude Code's model and the account whose home it runs under. */
  model?: string;
  account?: string;
  home?: string;
  taskName?: string;
  /** When Enter was sent: completion evidence must be newer than this. */
  submittedAt?: string | null;
  /** Fingerprint of the conversation on the pane and when it last changed (stall detection). */
  paneDigest?: string | null;
  paneChangedAt?: string | null;
  /**
   * The conversation the session runs its task in: the id given to Claude Code with `--session-id` for a new one or
   * `--resume` for a continued one, recorded in the launch intent before Claude Code starts, so the transcript
   * (`<home>/projects/<encoded project>/<id>.jsonl`) and the resume id are known on every release, even of a launch
   * whose dispatch was killed.
   */
  conversationId?: string | null;
  /** Present only between the intent and the end of a launch. */
  launch?: LaunchIntent | null;
  /**
   * The pending task (`inbox/T.md`) whose conversation this idle session keeps in its resume file: dispatch gives
   * that task back to this session and no other task to it (core/dispatch-plan.ts reservedTask).
   */
  resumeFor?: string;
}

export type LifecycleRecord = SessionRecord & LifecycleFields;

export const asLifecycle = (record: SessionRecord): LifecycleRecord => record as LifecycleRecord;

/** The conversation a pool session's record names (validated), or null. */
export function recordedConversation(record: SessionRecord | undefined): string | null {
  const id = record ? asLifecycle(record).conversationId : null;
  return isUuid(id) ? id.toLowerCase() : null;
}

/** The idle form after a task left the session: lifecycle facts dropped, lastFail kept (it drives the cooldown). */
export function idleAfter(record: SessionRecord | undefined, now: Date, lastFail?: string): SessionRecord {
  return { ...idleSession(now), lastFail: lastFail ?? record?.lastFail ?? null };
}

/**
 * The account homes whose Claude Code registries can list our sessions: every configured account, plus the homes
 * recorded on session records (a Claude Code started under an account since dropped from the config still runs).
 */
export function registryHomes(config: Pick<Config, 'accounts'>, state: Pick<State, 'sessions'>): string[] {
  const recorded = Object.values(state.sessions).map((r) => asLifecycle(r).home).filter((h): h is string => typeof h === 'string');
  return [...new Set([...config.accounts.map((a) => a.home), ...recorded])];
}

/** `inbox/T.md.dispatched` → `inbox/T.md`. */
export function pendingPathOf(claimed: string): string {
  return claimed.replace(/\.dispatched$/, '');
}
