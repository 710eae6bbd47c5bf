import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoCode } from './core/errors.js';

/**
 * The lock directory of lock.ts, which names its owner from its first instant to its last (a command
 * killed at any instant leaves nothing the next run cannot finish or undo).
 *
 * proper-lockfile takes a lock with `mkdir`. A holder recorded beside the directory afterwards leaves a gap: a run
 * SIGKILLed in it leaves a lock that names nobody, which no run can prove abandoned, so every run waits for it to go
 * stale (30 s). test/reliability/random-kills.test.ts found that gap (1–3 such stalls in every run of the test, even
 * with the record written synchronously: a process preempted between two system calls stretches any gap). Here the
 * directory is prepared aside with its owner file and renamed into place, and it is removed by renaming it aside
 * first: at every instant the lock path holds nothing, or a lock that says whose it is.
 */

export interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

const OWNER_FILE = 'owner.json';
/** `<lock>.<pid>.<random>.new|old`: a lock being created or removed, left behind only by a killed run. */
const ASIDE = /^(.+)\.(\d+)\.[0-9a-f]{8}\.(new|old)$/;

type Callback = (error: NodeJS.ErrnoException | null) => void;

function asidePath(lockPath: string, kind: 'new' | 'old'): string {
  return `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`;
}

/**
 * proper-lockfile's `fs`, with `mkdir` and `rmdir` of the lock done as above (and synchronously: nothing else runs
 * in between). The owner file inside the lock is the one record of who holds it (`status`, the contention message,
 * and the proof that a lock was abandoned).
 */
export function ownedLockFs(owner: () => LockOwner) {
  const settle = (callback: Callback, step: () => void) => {
    let failure: NodeJS.ErrnoException | null = null;
    try {
      step();
    } catch (error) {
      failure = error as NodeJS.ErrnoException;
    }
    process.nextTick(callback, failure);
  };
  return {
    ...fs,
    mkdir: (path: string, callback: Callback) => settle(callback, () => createOwnedDir(path, owner())),
    rmdir: (path: string, callback: Callback) => settle(callback, () => void removeLockDir(path)),
  };
}

function createOwnedDir(path: string, owner: LockOwner): void {
  const aside = asidePath(path, 'new');
  fs.mkdirSync(aside, { mode: 0o700 });
  try {
    fs.writeFileSync(join(aside, OWNER_FILE), JSON.stringify(owner) + '\n', { mode: 0o600 });
    // A lock directory is never empty, so the rename fails while another run holds the lock.
    fs.renameSync(aside, path);
  } catch (error) {
    fs.rmSync(aside, { recursive: true, force: true });
    const code = errnoCode(error);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw Object.assign(new Error(`EEXIST: the lock ${path} is held`), { code: 'EEXIST' });
    throw error;
  }
}

/**
 * Removes a lock directory by moving it aside first, so the lock path never holds an empty directory (another run's
 * rename could replace it, and this removal would then take that run's lock away). With `ownerPid`, only a lock of
 * that owner goes: one that changed hands since its owner was read is put back. ENOENT passes through.
 */
export function removeLockDir(path: string, ownerPid?: number): boolean {
  const aside = asidePath(path, 'old');
  fs.renameSync(path, aside);
  if (ownerPid !== undefined && readOwner(aside)?.pid !== ownerPid) {
    try {
      fs.renameSync(aside, path);
    } catch {
      // A newer lock is in place already: the one moved aside is lost to its holder, which notices (compromised).
      fs.rmSync(aside, { recursive: true, force: true });
    }
    return false;
  }
  fs.rmSync(aside, { recursive: true, force: true });
  return true;
}

export function readOwner(lockPath: string): LockOwner | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(join(lockPath, OWNER_FILE), 'utf8')) as LockOwner;
    return typeof parsed.pid === 'number' && typeof parsed.command === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

/** Removes lock directories a killed run left aside (half created or half removed), once that run is gone. */
export function sweepAside(lockPath: string, isAlive: (pid: number) => boolean): void {
  for (const name of fs.readdirSync(dirname(lockPath))) {
    const match = ASIDE.exec(name);
    if (!match || match[1] !== basename(lockPath) || isAlive(Number(match[2]))) continue;
    fs.rmSync(join(dirname(lockPath), name), { recursive: true, force: true });
  }
}
