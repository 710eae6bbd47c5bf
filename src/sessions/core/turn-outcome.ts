/**
 * How a dispatched turn ended, judged from what Claude Code records, strongest first: the StopFailure hook's signal
 * (newer than any Stop signal of the same turn), the transcript's newest turn record after the submission, the
 * pane last (a limit banner, or the API-error reply above the input box). Pure. A failure found here outranks every
 * sign of a finished turn: the prompt comes back idle after a failed turn exactly as after a good one.
 */

import { paneTurnFailure, readStopFailure, readTurnRecord, type TurnFailure } from '../../claude-code/core/turn-record.js';

export type FailureEvidence = 'signal' | 'transcript' | 'pane';

export interface FailedTurnSignal {
  atMs: number;
  error: string;
  message: string | null;
}

export interface TurnEndInput {
  submittedAtMs: number;
  /** When the Stop hook signalled the session (epoch ms), or null. */
  doneAtMs: number | null;
  /** What the StopFailure hook recorded for the session, or null. */
  failedSignal: FailedTurnSignal | null;
  /** The newest turn record written since the submission (transcript.ts turnEndSince), or null. */
  record: unknown;
  /** The pane text, or null when it could not be read. */
  pane: string | null;
  /** The pane is at Claude Code's idle prompt (no turn running): only then is its last reply the turn's end. */
  paneIdle: boolean;
  /** The pane shows a live usage-limit banner (screen.ts limitBanner). */
  paneLimit: boolean;
  now: Date;
}

export interface TurnEndFailure {
  failure: TurnFailure;
  evidence: FailureEvidence;
}

/** The failure the turn ended in, with the evidence that says so; null when nothing recorded says it failed. */
export function turnFailure(input: TurnEndInput): TurnEndFailure | null {
  const signal = input.failedSignal;
  if (signal !== null && signal.atMs >= input.submittedAtMs && (input.doneAtMs === null || signal.atMs >= input.doneAtMs)) {
    return { failure: readStopFailure(signal.error, signal.message), evidence: 'signal' };
  }
  const reading = readTurnRecord(input.record, input.now);
  if (reading.kind === 'failure') return { failure: reading.failure, evidence: 'transcript' };
  // The transcript says the turn got an answer, or a Stop signal says it ended: what the pane shows is older.
  if (reading.kind === 'answered' || (input.doneAtMs !== null && input.doneAtMs >= input.submittedAtMs)) return null;
  if (input.paneLimit) return { failure: { kind: 'usage-limit', message: null, limit: null }, evidence: 'pane' };
  const shown = input.pane !== null && input.paneIdle ? paneTurnFailure(input.pane) : null;
  return shown === null ? null : { failure: shown, evidence: 'pane' };
}
