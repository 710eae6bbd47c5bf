/**
 * Is a working session's task finished? A turn that ended in an API error is never "finished": turn-outcome.ts
 * says how it failed (usage limit and failed login: check-quota and the swap own what happens next; any other
 * error: the task is tried again). Otherwise strongest evidence first: the Stop-hook signal file, then Claude
 * Code's own registry status back to idle after the dispatch, then the pane showing the empty prompt with no busy
 * marker on two consecutive polls. The registry and the prompt say that a turn ended, not how: where the
 * transcript is read, they count only once it records an answer (a failed turn's record can land on disk a moment
 * after the registry went idle, and that moment must not file the task in done/).
 */

import { claudeRunning, isAtPrompt, type PaneReading } from '../../claude-code/core/screen.js';
import { unreachable } from '../../base/core/errors.js';
import type { FailureEvidence, TurnEndFailure } from './turn-outcome.js';

export interface CompletionInput {
  sessionExists: boolean;
  /** When the Stop hook wrote the signal file (epoch ms), or null. */
  signalAtMs: number | null;
  /** The live registry entry of the session, or null when none (Claude Code not running, or an older version). */
  registry: { status: string; statusUpdatedAt: number | null } | null;
  /** One or two consecutive readings of the pane, oldest first; empty when the capture failed. */
  panes: PaneReading[];
  /** The pane's foreground process is its shell (tmux `pane_current_command`): nothing runs there. */
  atShell: boolean;
  /** The API error the turn ended in (turn-outcome.ts turnFailure), or null. */
  failure: TurnEndFailure | null;
  /** The transcript's record of the turn's end is an answer (turn-record.ts isAnswer); null: no transcript read. */
  answerRecorded: boolean | null;
  submittedAtMs: number;
  nowMs: number;
  /** Pane fingerprint now, and the one recorded with when it last changed (stall detection). */
  digest: string | null;
  previousDigest: string | null;
  paneChangedAtMs: number | null;
  idleTimeoutMs: number;
}

export type Evidence = 'signal' | 'registry' | 'pane';

export type Verdict =
  | { kind: 'finished'; evidence: Evidence }
  /** The pane alone says finished: look once more before believing it. */
  | { kind: 'confirm' }
  | { kind: 'working'; digestChanged: boolean }
  | { kind: 'stalled'; idleMs: number }
  /** A usage limit: left for check-quota. */
  | { kind: 'limited'; evidence: FailureEvidence }
  /** The account's login failed: left for check-quota, which marks the account and swaps away. */
  | { kind: 'login-failed'; evidence: FailureEvidence; message: string }
  /** Any other API error: the task is tried again, its attempt counted. */
  | { kind: 'failed'; evidence: FailureEvidence; message: string }
  | { kind: 'died'; reason: string };

/** A pane is trusted as "finished" only this long after the submission: Claude Code needs a moment to go busy. */
export const PANE_GRACE_MS = 3000;

export function judgeCompletion(input: CompletionInput): Verdict {
  if (!input.sessionExists) return { kind: 'died', reason: 'the tmux session is gone' };
  const latest = input.panes[input.panes.length - 1];
  if (input.failure) return failedVerdict(input.failure);
  if (input.signalAtMs !== null && input.signalAtMs >= input.submittedAtMs) return { kind: 'finished', evidence: 'signal' };
  const registry = input.registry;
  const endUnrecorded = input.answerRecorded === false;
  if (!endUnrecorded && registry && registry.status === 'idle' && (registry.statusUpdatedAt ?? 0) > input.submittedAtMs) {
    return { kind: 'finished', evidence: 'registry' };
  }
  if (!registry && !claudeRunning(latest, input.atShell)) return { kind: 'died', reason: 'Claude Code is no longer running in the pane' };
  const paneSaysDone = !endUnrecorded && input.panes.length > 0 && input.panes.every(isAtPrompt) && input.nowMs - input.submittedAtMs >= PANE_GRACE_MS;
  // A registry that reports busy outranks the screen.
  if (paneSaysDone && registry?.status !== 'busy') return input.panes.length >= 2 ? { kind: 'finished', evidence: 'pane' } : { kind: 'confirm' };

  const digestChanged = input.digest !== null && input.digest !== input.previousDigest;
  if (!digestChanged && input.paneChangedAtMs !== null) {
    const idleMs = input.nowMs - input.paneChangedAtMs;
    if (idleMs >= input.idleTimeoutMs) return { kind: 'stalled', idleMs };
  }
  return { kind: 'working', digestChanged };
}

function failedVerdict({ failure, evidence }: TurnEndFailure): Verdict {
  switch (failure.kind) {
    case 'usage-limit':
      return { kind: 'limited', evidence };
    case 'login-failed':
      return { kind: 'login-failed', evidence, message: failure.message };
    case 'failed':
      return { kind: 'failed', evidence, message: failure.message };
    default:
      return unreachable(failure, 'turn failure');
  }
}
