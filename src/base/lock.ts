import { mkdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from './clock.js';
import { ExitCode, FailoverError, errnoCode, errorMessage } from './core/errors.js';
import { fsFault } from './core/fs-faults.js';
import { ownedLockFs, readOwner, removeLockDir, sweepAside, type LockOwner } from './lock-dir.js';
import type { Log } from './log.js';
import { processAlive } from './process.js';

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
  /** Drives the bounded wait for a busy lock; the system clock unless a test drives it. */
  clock?: Clock;
}

export type LockHolder = LockOwner;

export function lockPaths(stateDir: string) {
  return { lock: join(stateDir, 'claude-failover.lock') };
}


/**
 * The one lock that serialises every mutating command: a fixed path inside the state dir, stale
 * detection, and a bounded wait. A compromised lock (someone removed or took it over) never throws from a timer:
 * it is recorded, and the next `assertHeld()` aborts the command before it writes anything.
 */
export async function acquireLock(options: LockOptions): Promise<LockHandle> {
  // Loaded here, not at start-up: read-only commands (status, doctor) only inspect the lock, and proper-lockfile
  // with graceful-fs costs them a few milliseconds of every start.
  const { default: lockfile } = await import('proper-lockfile');
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw fsFault(error, 'create the state folder', options.stateDir, { isDir: true }) ?? error;
  });
  const paths = lockPaths(options.stateDir);
  let compromised: Error | undefined;
  const clock = options.clock ?? systemClock;
  const deadline = clock.monotonicMs() + (options.waitMs ?? 5000);
  let release: () => Promise<void>;
  for (let attempt = 0; ; attempt++) {
    try {
      release = await lockfile.lock(options.stateDir, {
        lockfilePath: paths.lock,
        realpath: false,
        stale: options.staleMs ?? STALE_MS,
        update: (options.staleMs ?? STALE_MS) / 3,
        retries: 0,
        fs: ownedLockFs(() => ({ pid: process.pid, host: hostname(), command: options.command, since: clock.now().toISOString() })),
        onCompromised: (error) => {
          compromised = error;
          options.log.error(`the state lock was lost while ${options.command} held it (${error.message}); aborting before any further change`);
        },
      });
      break;
    } catch (error) {
      if (errnoCode(error) !== 'ELOCKED') {
        throw fsFault(error, 'take the lock', paths.lock) ?? new FailoverError(ExitCode.failed, 'lock', `cannot take the lock ${paths.lock}: ${errorMessage(error)}`, { cause: error });
      }
      if (await removeAbandonedLock(options)) continue;
      const holder = readOwner(paths.lock);
      const who = holder ? `${holder.command} (pid ${holder.pid}, since ${holder.since})` : 'another run';
      if (clock.monotonicMs() >= deadline) throw new FailoverError(ExitCode.locked, 'locked', `${who} holds the lock; try again later`);
      if (attempt === 0) options.log.debug(`${who} holds the lock; waiting up to ${Math.ceil((deadline - clock.monotonicMs()) / 1000)}s`);
      await clock.sleep(Math.min(100 * 2 ** attempt, 500, Math.max(deadline - clock.monotonicMs(), 10)));
    }
  }
  try {
    sweepAside(paths.lock, processAlive);
  } catch (error) {
    options.log.debug(`could not sweep what killed runs left of the lock: ${errorMessage(error)}`);
  }
  return {
    assertHeld() {
      if (compromised) {
        throw new FailoverError(ExitCode.locked, 'lock-lost', `the state lock was lost (${compromised.message}); nothing more was changed`);
      }
    },
    async release() {
      // Not ours any more: releasing would remove someone else's lock.
      if (compromised) return;
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
  const holder = readOwner(paths.lock) ?? { pid: 0, host: '?', command: 'unknown', since: new Date(mtimeMs).toISOString() };
  return { ...holder, ageMs: now.getTime() - Date.parse(holder.since), stale: now.getTime() - mtimeMs > STALE_MS };
}

/**
 * A run killed with SIGKILL (a timer's TimeoutStartSec, an OOM kill) leaves its lock behind until it goes stale. When
 * the owner named inside the lock directory is a process of this host that no longer exists, the lock is abandoned
 * and can be taken at once instead of making every run wait 30 s.
 */
async function removeAbandonedLock(options: LockOptions): Promise<boolean> {
  const paths = lockPaths(options.stateDir);
  const owner = readOwner(paths.lock);
  if (!owner || owner.host !== hostname() || processAlive(owner.pid)) return false;
  try {
    if (!removeLockDir(paths.lock, owner.pid)) return false;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return true; // Another run removed it first: try again.
    options.log.debug(`could not remove the abandoned lock: ${errorMessage(error)}`);
    return false;
  }
  options.log.warn(`removed the lock abandoned by ${owner.command} (pid ${owner.pid}, no longer running)`);
  return true;
}

