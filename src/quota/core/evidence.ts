/**
 * The evidence check-quota has of one live session, put together before classifySession reads it. Pure.
 *
 * One rule comes first: a Claude Code process that started after the newest turn in its transcript has not made a
 * single API call yet, so it cannot be at a usage limit. What its pane shows of one is the conversation's history
 * (a resumed session re-draws it), and its newest record is the previous process's. Without this rule a dedicated
 * session resumed by a swap would, once the cooldown is over, look exhausted again and swap once more.
 */

import { classifySession, clearVerdict, type QuotaVerdict } from './classify.js';
import type { TranscriptRecord } from '../../claude-code/core/transcript.js';

export interface LiveSessionEvidence {
  pane: string;
  /** The transcript tail of the session's live Claude Code (main chain), when there is one. */
  records: readonly TranscriptRecord[] | null;
  /** When that Claude Code process started (registry `startedAt`, epoch ms). */
  processStartedAt: number | null;
  now: Date;
  defaultZone?: string | undefined;
}

function timeOf(record: TranscriptRecord): number | null {
  const at = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
  return Number.isNaN(at) ? null : at;
}

/**
 * The newest user or assistant record: what the last turn ended with (system and summary records say nothing).
 * Newest by timestamp, not by place in the file: 2.1.200 may append the message sent after the API-error record
 * that answered it (written 0.2 s earlier), and read by place that record would hide the limit.
 */
export function newestTurnRecord(records: readonly TranscriptRecord[]): TranscriptRecord | null {
  let newest: TranscriptRecord | null = null;
  let newestAt = Number.NEGATIVE_INFINITY;
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i] as TranscriptRecord;
    if (record.type !== 'user' && record.type !== 'assistant') continue;
    const at = timeOf(record) ?? Number.NEGATIVE_INFINITY;
    if (newest === null || at > newestAt) {
      newest = record;
      newestAt = at;
    }
  }
  return newest;
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
  return classifySession({
    pane: evidence.pane,
    ...(newest ? { transcriptRecord: newest } : {}),
    now: evidence.now,
    ...(evidence.defaultZone ? { defaultZone: evidence.defaultZone } : {}),
  });
}
