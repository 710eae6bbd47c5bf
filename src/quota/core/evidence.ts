/**
 * The evidence check-quota has of one live session, put together before classifySession reads it. Pure.
 *
 * One rule comes first: a Claude Code process that started after the newest turn in its transcript has not made a
 * single API call yet, so it cannot be at a usage limit. What its pane shows of one is the conversation's history
 * (a resumed session re-draws it), and its newest record is the previous process's. Without this rule a dedicated
 * session resumed by a swap would, once the cooldown is over, look exhausted again and swap once more.
 */

import { classifySession, clearVerdict, type QuotaVerdict } from './classify.js';
import { newestTurnRecord, type TranscriptRecord } from '../../claude-code/core/transcript.js';

export interface LiveSessionEvidence {
  pane: string;
  /** The transcript tail of the session's live Claude Code (main chain), when there is one. */
  records: readonly TranscriptRecord[] | null;
  /** When that Claude Code process started (registry `startedAt`, epoch ms). */
  processStartedAt: number | null;
  /** What the StopFailure hook last recorded for the session (signals.ts), or null. */
  failedSignal?: { atMs: number; error: string; message: string | null } | null;
  /**
   * Login evidence older than this (epoch ms) is history: the account's credentials were written since (someone
   * logged in), or the fleet swapped since. Null when neither is known.
   */
  loginSince?: number | null;
  /**
   * When the turn a pool session holds was submitted (epoch ms), null for any other session. Without a transcript,
   * the pane's last reply is that turn's only when the turn is newer than `loginSince`.
   */
  paneTurnSince?: number | null;
  now: Date;
  defaultZone?: string | undefined;
}

function timeOf(record: TranscriptRecord): number | null {
  const at = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
  return Number.isNaN(at) ? null : at;
}

export function judgeLiveSession(evidence: LiveSessionEvidence): QuotaVerdict {
  const newest = evidence.records ? newestTurnRecord(evidence.records) : null;
  const newestAt = newest ? timeOf(newest) : null;
  if (newestAt !== null && evidence.processStartedAt !== null && newestAt < evidence.processStartedAt) {
    return clearVerdict(
      false,
      `Claude Code started at ${new Date(evidence.processStartedAt).toISOString()}, after its newest turn: no API call yet, what the pane shows is history`,
    );
  }
  const since = evidence.loginSince ?? Number.NEGATIVE_INFINITY;
  const signal = evidence.failedSignal;
  // The hook runs after the record of the failed turn is written: a turn record newer than the signal is a later turn.
  const current = signal && signal.atMs > since && signal.atMs >= (evidence.processStartedAt ?? Number.NEGATIVE_INFINITY) && signal.atMs >= (newestAt ?? Number.NEGATIVE_INFINITY);
  return classifySession({
    pane: evidence.pane,
    ...(newest ? { transcriptRecord: newest } : {}),
    ...(current ? { failedSignal: { error: signal.error, message: signal.message } } : {}),
    ...(newestAt !== null && newestAt <= since ? { loginHistory: true } : {}),
    ...(evidence.records === null && (evidence.paneTurnSince ?? Number.NEGATIVE_INFINITY) > since ? { paneTurn: true } : {}),
    now: evidence.now,
    ...(evidence.defaultZone ? { defaultZone: evidence.defaultZone } : {}),
  });
}
