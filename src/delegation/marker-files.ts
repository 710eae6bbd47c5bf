import { lstat, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  LOCAL_FALLBACK_MARKER,
  parseDelegatedMarker,
  parseIntent,
  parseLocalFallback,
  type DelegatedMarker,
  type DelegatingIntent,
  type LocalFallback,
} from './core/markers.js';
import { errnoCode } from '../base/core/errors.js';
import type { Check } from '../base/core/json.js';
import { fsyncDir, writeFileAtomic } from '../base/fs-atomic.js';
import { writeBeside } from '../queue/files.js';

/**
 * The marker files beside a delegated task `inbox/T.md`: `.delegating` (intent), `.delegated` (job),
 * `.local` (fell back). JSON, written atomically and durably: a kill leaves the old file or the new one, whole.
 */

export const markerPath = {
  intent: (taskPath: string) => `${taskPath}.delegating`,
  delegated: (taskPath: string) => `${taskPath}.delegated`,
  local: (taskPath: string) => `${taskPath}${LOCAL_FALLBACK_MARKER}`,
};

/** null: no such marker. */
export type MarkerRead<T> = Check<T> | null;

async function readMarker<T>(path: string, parse: (text: string) => Check<T>): Promise<MarkerRead<T>> {
  let text: string;
  try {
    // Markers are small; a huge one is not ours.
    const info = await lstat(path);
    if (!info.isFile()) return { ok: false, reason: 'not a regular file' };
    if (info.size > 16 * 1024 * 1024) return { ok: false, reason: `${info.size} bytes: too large for a marker` };
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
  return parse(text);
}

export const readIntent = (taskPath: string) => readMarker<DelegatingIntent>(markerPath.intent(taskPath), parseIntent);
export const readDelegated = (taskPath: string) => readMarker<DelegatedMarker>(markerPath.delegated(taskPath), parseDelegatedMarker);
export const readLocalFallback = (taskPath: string) => readMarker<LocalFallback>(markerPath.local(taskPath), parseLocalFallback);

export async function writeMarker(path: string, document: DelegatingIntent | DelegatedMarker | LocalFallback): Promise<void> {
  // 0600 like the state: a marker holds the idempotency key that claims the platform's job.
  await writeFileAtomic(path, JSON.stringify(document, null, 2) + '\n', 0o600);
}

/** Removes a marker durably; a marker already gone is fine (a resumed run finishing what a killed one started). */
export async function removeMarker(path: string): Promise<void> {
  await rm(path, { force: true });
  await fsyncDir(dirname(path));
}

/** The inode of the task file, or null when it is gone. */
export async function taskInode(taskPath: string): Promise<number | null> {
  try {
    return (await lstat(taskPath)).ino;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Writes `done/T.result.md` beside the finished task. Idempotent for a resumed run: an identical result file
 * already there (under its name or a suffixed one, as writeBeside names them) is kept; anything else there is
 * never overwritten (writeBeside picks a free name).
 */
export async function writeResultBeside(finishedTask: string, result: string): Promise<string> {
  const stem = finishedTask.replace(/\.md$/, '.result');
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? `${stem}.md` : `${stem}-${n}.md`;
    const existing = await readFile(candidate, 'utf8').catch((error: unknown) => {
      if (errnoCode(error) === 'ENOENT') return null;
      throw error;
    });
    if (existing === null) break;
    if (existing === result) return candidate;
  }
  return writeBeside(finishedTask, '.result.md', result);
}
