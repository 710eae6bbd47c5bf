/**
 * The swap journal (state.swapJournal): what a swap-account run intends and how far it got, saved before each side
 * effect, so that `reconcile` can finish or roll back a run that was killed at any instant. Pure.
 *
 * Phases, in order: `saving` (resume ids being written; no session touched) → `stopping` (sessions being stopped)
 * → `flipping` (every session stopped; the active link being flipped and the target's links ensured) →
 * `committed` (state.activeAccount is the target; sessions being brought back) — or, on failure, `rolling-back`.
 */

import { unreachable } from '../../base/core/errors.js';
import { isOneOf, isRecord } from '../../base/core/json.js';
import { isUuid } from '../../base/core/uuid.js';

export const SWAP_PHASES = ['saving', 'stopping', 'flipping', 'rolling-back', 'committed'] as const;
export type SwapPhase = (typeof SWAP_PHASES)[number];

export interface JournalSession {
  name: string;
  kind: 'pool' | 'dedicated';
  /** Where its shell starts again: the operator's home (pool) or the conversation's folder (dedicated). */
  cwd: string;
  /** The conversation to resume, validated; null = come back at the shell (never launch blind). */
  resumeId: string | null;
  /** The claimed task a pool session was working on (`inbox/T.md.dispatched`), re-queued after the swap. */
  task: string | null;
  project: string | null;
  /** The swap stopped it. False for a session left running by a swap that never got to stop it. */
  stopped: boolean;
  /** Saved right before the resume line is typed: a resumed recovery never types it a second time. */
  launching: boolean;
  done: boolean;
}

export interface SwapJournal {
  id: string;
  /** The process that wrote it (for forensics). */
  pid: number;
  startedAt: string;
  /** Why the swap runs (check-quota's reason, or "requested by the operator"). */
  reason: string;
  by: string;
  from: string;
  fromHome: string;
  to: string;
  toHome: string;
  /** Where the active link pointed before the swap (absolute), null when it did not exist yet. */
  linkBefore: string | null;
  phase: SwapPhase;
  /** Why the swap is being rolled back, once it is. */
  failure: string | null;
  sessions: JournalSession[];
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

function parseSession(raw: unknown): JournalSession | null {
  if (!isRecord(raw)) return null;
  const { name, kind, cwd, resumeId, task, project, stopped, launching, done } = raw;
  if (!isString(name) || (kind !== 'pool' && kind !== 'dedicated') || !isString(cwd)) return null;
  if (!(resumeId === null || isUuid(resumeId)) || !isNullableString(task) || !isNullableString(project)) return null;
  if (typeof stopped !== 'boolean' || typeof launching !== 'boolean' || typeof done !== 'boolean') return null;
  return { name, kind, cwd, resumeId, task, project, stopped, launching, done };
}

/** The journal as written by swap-account, or null when it is not one (a hand-edited or foreign document). */
export function parseJournal(raw: unknown): SwapJournal | null {
  if (!isRecord(raw)) return null;
  const { id, pid, startedAt, reason, by, from, fromHome, to, toHome, linkBefore, phase, failure, sessions } = raw;
  if (![id, startedAt, reason, by, from, fromHome, to, toHome].every(isString)) return null;
  if (typeof pid !== 'number' || !isNullableString(linkBefore) || !isNullableString(failure)) return null;
  if (!isOneOf(SWAP_PHASES, phase) || !Array.isArray(sessions)) return null;
  const parsed = sessions.map(parseSession);
  if (parsed.some((s) => s === null)) return null;
  return {
    id: id as string, pid, startedAt: startedAt as string, reason: reason as string, by: by as string,
    from: from as string, fromHome: fromHome as string, to: to as string, toHome: toHome as string,
    linkBefore, phase, failure, sessions: parsed as JournalSession[],
  };
}

/** Where the active link points now, relative to the journal's two homes. */
export type LinkPosition = 'from' | 'to' | 'missing' | 'elsewhere';

export type RecoveryDecision =
  /** Finish: the new account is (or becomes) active; `flip` when the link must still be pointed at it. */
  | { kind: 'finish'; flip: boolean; reason: string }
  /** Roll back: the old account stays; `flipBack` when the link must be pointed back at it. */
  | { kind: 'roll-back'; flipBack: boolean; reason: string };

/** The link must be pointed back unless it already is where it was (at the old home, or still absent). */
export function needsFlipBack(journal: Pick<SwapJournal, 'linkBefore'>, link: LinkPosition): boolean {
  if (link === 'from') return false;
  return !(link === 'missing' && journal.linkBefore === null);
}

/**
 * What reconcile does with a journal left by a killed swap: the outcome is always fully the old account or fully
 * the new one. Past the commit, the swap is finished. Before the flip, it is rolled back (the sessions were only
 * being stopped). In between it rests on what is on disk: the link already at the new home with usable shared
 * links (nothing a fix cannot create) → finish; anything else → roll back. A rollback is never turned around.
 */
export function decideSwapRecovery(journal: Pick<SwapJournal, 'phase' | 'linkBefore'>, link: LinkPosition, targetLinksUsable: boolean): RecoveryDecision {
  switch (journal.phase) {
    case 'committed':
      return { kind: 'finish', flip: link !== 'to', reason: 'the swap was committed; its sessions are brought back under the new account' };
    case 'saving':
    case 'stopping':
      return { kind: 'roll-back', flipBack: needsFlipBack(journal, link), reason: 'the swap was interrupted before the active link was flipped' };
    case 'rolling-back':
      return { kind: 'roll-back', flipBack: needsFlipBack(journal, link), reason: 'the swap was being rolled back' };
    case 'flipping':
      if (link === 'to' && targetLinksUsable) return { kind: 'finish', flip: false, reason: 'the active link already points at the new home and its shared links are usable' };
      return {
        kind: 'roll-back',
        flipBack: needsFlipBack(journal, link),
        reason: link === 'to' ? "the new home's shared links are not usable" : `the active link points ${link === 'from' ? 'at the old home still' : link === 'missing' ? 'nowhere' : 'elsewhere'}`,
      };
    default:
      return unreachable(journal.phase, 'swap phase');
  }
}
