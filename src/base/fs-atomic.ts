import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsFault } from './core/fs-faults.js';

/** fsync a directory so that a rename or create inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function tempNameFor(path: string): string {
  // Hidden and suffixed so that queue listings and humans both recognise it as a temp file.
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Removes the temp files of `path` that runs killed mid-write left behind (their pid is gone): writeFileAtomic
 * cannot clean up after a SIGKILL, so the next writer does. A live writer's temp file is left alone.
 */
export async function sweepTempFiles(path: string, isAlive: (pid: number) => boolean): Promise<void> {
  const prefix = `.${basename(path)}.`;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    const pid = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid !== undefined && !isAlive(Number(pid))) await rm(join(dirname(path), name), { force: true });
  }
}

/**
 * Replaces `path` atomically and durably: write a temp file in the same directory, fsync it, rename it over the
 * target, fsync the directory. A kill at any instant leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600, options: { exactMode?: boolean } = {}): Promise<void> {
  try {
    await replaceAtomically(path, data, mode, options.exactMode === true);
  } catch (error) {
    // A full, read-only or foreign folder is named, with what to do (a bare `ENOSPC … write` names no file).
    throw fsFault(error, 'write', path) ?? error;
  }
}

async function replaceAtomically(path: string, data: string, mode: number, exactMode: boolean): Promise<void> {
  const temp = tempNameFor(path);
  const handle = await open(temp, 'wx', mode);
  try {
    // The mode given to open() is narrowed by the umask; a file whose mode must be kept as it was is set explicitly.
    if (exactMode) await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dirname(path));
}

/** Creates `path` durably, failing with EEXIST if it is already there (never overwrites). */
export async function writeFileExclusive(path: string, data: string, mode = 0o644): Promise<void> {
  try {
    const handle = await open(path, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsyncDir(dirname(path));
  } catch (error) {
    // EEXIST stays as it is: callers pick the next free name on it.
    throw fsFault(error, 'write', path) ?? error;
  }
}
