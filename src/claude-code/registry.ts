/**
 * The Claude Code edge: its per-account session registry (`<home>/sessions/<pid>.json`, one file per live
 * interactive process, removed on exit) and its transcripts. Files written by another program are read
 * defensively: bounded size, validated fields, stale entries (dead pid) ignored.
 */

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../base/core/errors.js';
import { parseTranscriptChunk, type TranscriptRecord } from './core/transcript.js';
import { isUuid } from '../base/core/uuid.js';
import { readFolder } from '../base/folders.js';
import { processAlive } from '../base/process.js';

export interface RegistryEntry {
  home: string;
  file: string;
  pid: number;
  sessionId: string;
  cwd: string;
  /** `idle`, `busy`, `waiting` (other versions) or whatever a newer version writes. */
  status: string;
  statusUpdatedAt: number | null;
  /** When the process started (epoch ms), when the registry says: evidence older than this is history. */
  startedAt: number | null;
  /** The tmux session name from the `tmux` field (`session:@window.%pane`), null outside tmux. */
  tmuxSession: string | null;
  tmuxPane: string | null;
}

const MAX_REGISTRY_BYTES = 64 * 1024;
/** The tail read from a transcript: recent turns only, whatever the file's size. */
const TRANSCRIPT_TAIL_BYTES = 256 * 1024;

async function readBounded(path: string, maxBytes: number, fromEnd: boolean): Promise<{ text: string; fromStart: boolean } | null> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (['ENOENT', 'ELOOP', 'EACCES', 'ENOTDIR'].includes(errnoCode(error) ?? '')) return null;
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return null;
    if (!fromEnd && info.size > maxBytes) return null;
    const length = Math.min(info.size, maxBytes);
    const start = fromEnd ? info.size - length : 0;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, start);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), fromStart: start === 0 };
  } finally {
    await handle.close();
  }
}

export function parseRegistryEntry(home: string, file: string, text: string): RegistryEntry | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (!Number.isInteger(d.pid) || (d.pid as number) <= 0 || !isUuid(d.sessionId) || typeof d.cwd !== 'string') return null;
  const [tmuxSession, rest] = typeof d.tmux === 'string' && d.tmux.includes(':') ? [d.tmux.slice(0, d.tmux.indexOf(':')), d.tmux.slice(d.tmux.indexOf(':') + 1)] : [null, null];
  return {
    home,
    file,
    pid: d.pid as number,
    sessionId: d.sessionId.toLowerCase(),
    cwd: d.cwd,
    status: typeof d.status === 'string' ? d.status : 'unknown',
    statusUpdatedAt: typeof d.statusUpdatedAt === 'number' ? d.statusUpdatedAt : typeof d.updatedAt === 'number' ? d.updatedAt : null,
    startedAt: typeof d.startedAt === 'number' && Number.isFinite(d.startedAt) ? d.startedAt : null,
    tmuxSession: tmuxSession || null,
    tmuxPane: rest && rest.includes('.') ? rest.slice(rest.indexOf('.') + 1) : null,
  };
}

/** The live entries of one account home's registry (files of dead processes, left by a crash, are ignored). */
export async function readRegistry(home: string): Promise<RegistryEntry[]> {
  const dir = join(home, 'sessions');
  // A registry folder we may not read is Claude Code's business: no entries, as for an older release without one.
  const names = await readFolder(dir, ['EACCES']);
  const entries: RegistryEntry[] = [];
  for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
    const file = join(dir, name);
    const read = await readBounded(file, MAX_REGISTRY_BYTES, false);
    const entry = read ? parseRegistryEntry(home, file, read.text) : null;
    if (entry && processAlive(entry.pid)) entries.push(entry);
  }
  return entries;
}

/**
 * Where Claude Code keeps a session's transcript: `<home>/projects/<cwd with "/" replaced by "-">/<id>.jsonl`
 * (reference README). Some versions also replace other non-alphanumeric characters, so both spellings are tried.
 */
export function transcriptCandidates(home: string, cwd: string, sessionId: string): string[] {
  return transcriptFolders(home, cwd).map((dir) => join(dir, `${sessionId}.jsonl`));
}

/** The folders that may hold a project's transcripts under one home (both spellings of the cwd). */
export function transcriptFolders(home: string, cwd: string): string[] {
  const spellings = new Set([cwd.replace(/\//g, '-'), cwd.replace(/[^A-Za-z0-9]/g, '-')]);
  return [...spellings].map((dir) => join(home, 'projects', dir));
}

/** The newest main-chain records of a transcript, reading only its last `maxBytes` however large it is. */
export async function readTranscriptTail(path: string, maxBytes = TRANSCRIPT_TAIL_BYTES): Promise<TranscriptRecord[] | null> {
  const read = await readBounded(path, maxBytes, true);
  return read ? parseTranscriptChunk(read.text, read.fromStart) : null;
}

/**
 * The transcript tail of a live registry entry, or null when no transcript exists (yet). `firstBytes`: read only that
 * much first, and the whole tail only when it holds no user or assistant record (a reader that wants just the newest
 * turn, which is at the end, mostly stays small).
 */
export async function transcriptTailOf(entry: Pick<RegistryEntry, 'home' | 'cwd' | 'sessionId'>, options: { firstBytes?: number } = {}): Promise<TranscriptRecord[] | null> {
  for (const path of transcriptCandidates(entry.home, entry.cwd, entry.sessionId)) {
    if (options.firstBytes !== undefined) {
      const small = await readTranscriptTail(path, options.firstBytes);
      if (small === null) continue;
      if (small.some((r) => r.type === 'user' || r.type === 'assistant')) return small;
    }
    const records = await readTranscriptTail(path);
    if (records !== null) return records;
  }
  return null;
}
