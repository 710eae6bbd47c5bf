import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { readFolder } from '../base/folders.js';
import { sweepTempFiles } from '../base/fs-atomic.js';
import { processAlive } from '../base/process.js';
import { lastRunFileName, parseLastRun, type LastRun } from './core/last-run.js';

/** `<state_dir>/last-run/`: beside the state, not in it (recording needs no lock and never touches state.json). */
export const lastRunDir = (stateDir: string) => join(stateDir, 'last-run');

/**
 * Records one run: temp file + rename in the same folder, so a reader sees the old record or the new one, never a
 * part. Not fsynced: this runs after every command, timers every few seconds, and losing the newest record to a power
 * cut costs one stale timestamp until the next run — not worth two fsyncs on every run.
 */
export async function recordLastRun(stateDir: string, run: LastRun): Promise<void> {
  const dir = lastRunDir(stateDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, lastRunFileName(run.command, run.result));
  const temp = join(dir, `.${lastRunFileName(run.command, run.result)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(JSON.stringify(run) + '\n');
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // A run killed between the temp file and the rename left its temp file: the next record of that file removes it.
  await sweepTempFiles(path, processAlive);
}

/** Every record in the folder (temp files and anything unreadable skipped), sorted by command then result. */
export async function readLastRuns(stateDir: string): Promise<LastRun[]> {
  const dir = lastRunDir(stateDir);
  const runs: LastRun[] = [];
  for (const name of (await readFolder(dir, ['EACCES'])).filter((n) => n.endsWith('.json') && !n.startsWith('.'))) {
    const run = parseLastRun(await readFile(join(dir, name), 'utf8').catch(() => ''));
    if (run) runs.push(run);
  }
  return runs.sort((a, b) => (a.command === b.command ? (a.result < b.result ? -1 : 1) : a.command < b.command ? -1 : 1));
}
