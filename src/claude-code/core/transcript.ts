/**
 * Pure reading of Claude Code transcript records (`<home>/projects/<cwd>/<sessionId>.jsonl`, one JSON object a
 * line). Only the main conversation counts: subagent records (`isSidechain: true`) are skipped everywhere.
 */

export type TranscriptRecord = Record<string, unknown>;

/**
 * Parses a chunk of JSONL. When the chunk does not start at the beginning of the file its first line is most
 * likely cut in half, so it is dropped; unparseable lines (a record being written right now) are skipped too.
 */
export function parseTranscriptChunk(chunk: string, fromFileStart: boolean): TranscriptRecord[] {
  const lines = chunk.split('\n');
  if (!fromFileStart) lines.shift();
  const records: TranscriptRecord[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const record: unknown = JSON.parse(line);
      if (typeof record === 'object' && record !== null && !Array.isArray(record) && (record as TranscriptRecord).isSidechain !== true) {
        records.push(record as TranscriptRecord);
      }
    } catch {
      // A partial or foreign line: not ours to judge.
    }
  }
  return records;
}

/** The text of a user record: a plain string, or the text parts of a content list. */
export function userText(record: TranscriptRecord): string | null {
  if (record.type !== 'user') return null;
  const message = record.message as { content?: unknown } | undefined;
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => (typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : ''))
      .join('');
  }
  return null;
}

const PASTED = /\n*<pasted_content id="([^"]*)">\n([\s\S]*?)\n<\/pasted_content id="\1">\n?/g;

/** A user message with Claude Code's paste wrappers (`<pasted_content id=…>`) replaced by the pasted text. */
export function unwrapPastes(text: string): string {
  return text.replace(PASTED, (_all, _id, body: string) => body);
}

function timeOf(record: TranscriptRecord): number {
  const parsed = typeof record.timestamp === 'string' ? Date.parse(record.timestamp) : Number.NaN;
  return Number.isNaN(parsed) ? Number.NEGATIVE_INFINITY : parsed;
}

/** The user record that submitted task `T.md` (its message starts with `[T.md]`) at or after `sinceMs`. */
export function findSubmission(records: TranscriptRecord[], taskName: string, sinceMs: number): TranscriptRecord | null {
  const tag = `[${taskName}]`;
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i] as TranscriptRecord;
    const text = userText(record);
    if (text !== null && unwrapPastes(text).trimStart().startsWith(tag) && timeOf(record) >= sinceMs) return record;
  }
  return null;
}

/**
 * The newest user or assistant record: what the last turn ended with (system and summary records say nothing).
 * Newest by timestamp, not by place in the file: 2.1.200 may append the message sent after the API-error record
 * that answered it (written 0.2 s earlier), and read by place that record would hide the failure.
 */
export function newestTurnRecord(records: readonly TranscriptRecord[]): TranscriptRecord | null {
  let newest: TranscriptRecord | null = null;
  let newestAt = Number.NEGATIVE_INFINITY;
  for (let i = records.length - 1; i >= 0; i--) {
    const record = records[i] as TranscriptRecord;
    if (record.type !== 'user' && record.type !== 'assistant') continue;
    const at = timeOf(record);
    if (newest === null || at > newestAt) {
      newest = record;
      newestAt = at;
    }
  }
  return newest;
}

/** The record the turn submitted at `sinceMs` ended with, so far: the newest turn record, if written since. */
export function turnEndSince(records: readonly TranscriptRecord[], sinceMs: number): TranscriptRecord | null {
  const newest = newestTurnRecord(records);
  return newest !== null && timeOf(newest) >= sinceMs ? newest : null;
}
