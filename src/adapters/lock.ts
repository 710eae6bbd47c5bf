import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ExitCode, FailoverError, errnoCode, errorMessage } from '../core/errors.js';
import { writeFileAtomic } from './fs-atomic.js';
import type { Log } from './log.js';

/** A lock older than this without a refresh is stale; the holder refreshes it every STALE_MS / 3. */
export const STALE_MS = 30_000;

export interface LockHandle {
  /** Throws (exit 75) if the lock was lost while we held it: the caller must not commit anything then. */
  assertHeld(): void;
  release(): Promise<void>;
}

export interface LockOptions {
  stateDir: string;
  /** Which command holds it, for `status` and for the contention message. */
  command: string;
  log: Log;
  /** How long to wait for a busy lock before giving up with exit 75. */
  waitMs?: number;
  /** Stale threshold (refresh every third of it); STALE_MS unless a test needs the refresh to come sooner. */
  staleMs?: number;
}

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Inode of the lock directory this holder created: tells its lock apart from a newer one at the same path. */
  lockIno: number;
}

export function lockPaths(stateDir: string) {
  return { lock: join(stateDir, 'claude-failover.lock'), holder: join(stateDir, 'lock-holder.json') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The one lock that serialises every mutating command (DESIGN §11): a fixed path inside the state dir, stale
 * detection, and a bounded wait. A compromised lock (someone removed or took it over) never throws from a timer:
 * it is recorded, and the next `assertHeld()` aborts the command before it writes anything.
 */
export async function acquireLock(options: LockOptions): Promise<LockHandle> {
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  const paths = lockPaths(options.stateDir);
  let compromised: Error | undefined;
  const deadline = Date.now() + (options.waitMs ?? 5000);
  let release: () => Promise<void>;
  for (let attempt = 0; ; attempt++) {
    try {
      release = await lockfile.lock(options.stateDir, {
        lockfilePath: paths.lock,
        realpath: false,
        stale: options.staleMs ?? STALE_MS,
        update: (options.staleMs ?? STALE_MS) / 3,
        retries: 0,
        onCompromised: (error) => {
          compromised = error;
          options.log.error(`the state lock was lost while ${options.command} held it (${error.message}); aborting before any further change`);
        },
      });
      break;
    } catch (error) {
      if (errnoCode(error) !== 'ELOCKED') {
        throw new FailoverError(ExitCode.failed, 'lock', `cannot take the lock ${paths.lock}: ${errorMessage(error)}`, { cause: error });
      }
      if (await removeAbandonedLock(options)) continue;
      if (Date.now() >= deadline) {
        const holder = await readLockHolder(options.stateDir);
        const who = holder ? `${holder.command} (pid ${holder.pid}, since ${holder.since})` : 'another run';
        throw new FailoverError(ExitCode.locked, 'locked', `${who} holds the lock; try again later`);
      }
      await sleep(Math.min(100 * 2 ** attempt, 500, Math.max(deadline - Date.now(), 10)));
    }
  }
  const lockIno = (await stat(paths.lock)).ino;
  const holder: LockHolder = { pid: process.pid, host: hostname(), command: options.command, since: new Date().toISOString(), lockIno };
  await writeFileAtomic(paths.holder, JSON.stringify(holder) + '\n').catch((error) =>
    options.log.debug(`could not record the lock holder: ${errorMessage(error)}`),
  );
  return {
    assertHeld() {
      if (compromised) {
        throw new FailoverError(ExitCode.locked, 'lock-lost', `the state lock was lost (${compromised.message}); nothing more was changed`);
      }
    },
    async release() {
      await rm(paths.holder, { force: true });
      if (compromised) return; // Not ours any more: releasing would remove someone else's lock.
      await release().catch((error) => options.log.warn(`releasing the lock failed: ${errorMessage(error)}`));
    },
  };
}

export async function withLock<T>(options: LockOptions, work: (lock: LockHandle) => Promise<T>): Promise<T> {
  const lock = await acquireLock(options);
  try {
    const result = await work(lock);
    lock.assertHeld();
    return result;
  } finally {
    await lock.release();
  }
}

/** Who holds the lock now and for how long, or null when it is free (for `status` and `doctor`). */
export async function inspectLock(stateDir: string, now: Date): Promise<(LockHolder & { ageMs: number; stale: boolean }) | null> {
  const paths = lockPaths(stateDir);
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(paths.lock)).mtimeMs;
  } catch {
    return null;
  }
  const holder = (await readLockHolder(stateDir)) ?? { pid: 0, host: '?', command: 'unknown', since: new Date(mtimeMs).toISOString(), lockIno: 0 };
  return { ...holder, ageMs: now.getTime() - Date.parse(holder.since), stale: now.getTime() - mtimeMs > STALE_MS };
}

/**
 * A run killed with SIGKILL (a timer's TimeoutStartSec, an OOM kill) leaves its lock behind until it goes stale. When
 * the recorded holder is a process of this host that no longer exists, and the lock directory is still the one it
 * created (same inode), the lock is abandoned and can be taken at once instead of making every run wait 30 s.
 */
async function removeAbandonedLock(options: LockOptions): Promise<boolean> {
  const paths = lockPaths(options.stateDir);
  const holder = await readLockHolder(options.stateDir);
  if (!holder || holder.host !== hostname() || isAlive(holder.pid)) return false;
  const current = await stat(paths.lock).catch(() => null);
  if (!current || current.ino !== holder.lockIno) return false;
  await rm(paths.lock, { recursive: true, force: true });
  options.log.warn(`removed the lock abandoned by ${holder.command} (pid ${holder.pid}, no longer running)`);
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoCode(error) === 'EPERM'; // Exists, owned by someone else.
  }
}

async function readLockHolder(stateDir: string): Promise<LockHolder | null> {
  try {
    const parsed = JSON.parse(await readFile(lockPaths(stateDir).holder, 'utf8')) as LockHolder;
    return typeof parsed.pid === 'number' && typeof parsed.command === 'string' ? parsed : null;
  } catch {
    return null;
  }
}
