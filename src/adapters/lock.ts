import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { ExitCode, FailoverError, errnoCode, errorMessage } from '../core/errors.js';
import { ownedLockFs, readOwner, removeLockDir, sweepAside, type LockOwner } from './lock-dir.js';
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

export type LockHolder = LockOwner;

export function lockPaths(stateDir: string) {
  return { lock: join(stateDir, 'claude-failover.lock'), holder: join(stateDir, 'lock-holder.json') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * proper-lockfile's fs for our lock (lock-dir.ts): the directory appears with its owner inside, created 0700 like the
 * state dir that holds it; the holder record beside it (for `status`) is written right after and removed right before.
 */
function lockFsFor(paths: ReturnType<typeof lockPaths>, command: string, log: Log) {
  const owner = () => ({ pid: process.pid, host: hostname(), command, since: new Date().toISOString() });
  return ownedLockFs(owner, {
    created() {
      try {
        recordHolder(paths, owner());
      } catch (error) {
        log.debug(`could not record the lock holder: ${errorMessage(error)}`);
      }
    },
    removing: () => rmSync(paths.holder, { force: true }),
  });
}

/**
 * The one lock that serialises every mutating command (DESIGN §11): a fixed path inside the state dir, stale
 * detection, and a bounded wait. A compromised lock (someone removed or took it over) never throws from a timer:
 * it is recorded, and the next `assertHeld()` aborts the command before it writes anything.
 */
export async function acquireLock(options: LockOptions): Promise<LockHandle> {
  // Loaded here, not at start-up: read-only commands (status, doctor) only inspect the lock, and proper-lockfile
  // with graceful-fs costs them a few milliseconds of every start.
  const { default: lockfile } = await import('proper-lockfile');
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
        fs: lockFsFor(paths, options.command, options.log),
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
        const holder = (await readLockHolder(options.stateDir)) ?? readOwner(paths.lock);
        const who = holder ? `${holder.command} (pid ${holder.pid}, since ${holder.since})` : 'another run';
        throw new FailoverError(ExitCode.locked, 'locked', `${who} holds the lock; try again later`);
      }
      await sleep(Math.min(100 * 2 ** attempt, 500, Math.max(deadline - Date.now(), 10)));
    }
  }
  try {
    sweepAside(paths.lock, isAlive);
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
      // Not ours any more: releasing would remove someone else's lock (and its holder record).
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

/**
 * Records the holder of the lock just created, for `status` and the contention message: synchronously and without
 * fsync, as it is advice, not state (the owner inside the lock directory is what proves a lock abandoned).
 */
function recordHolder(paths: ReturnType<typeof lockPaths>, holder: LockHolder): void {
  const temp = join(dirname(paths.holder), `.${basename(paths.holder)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, JSON.stringify(holder) + '\n', { mode: 0o600, flag: 'wx' });
    renameSync(temp, paths.holder);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
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
  const holder = (await readLockHolder(stateDir)) ?? readOwner(paths.lock) ?? { pid: 0, host: '?', command: 'unknown', since: new Date(mtimeMs).toISOString() };
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
  if (!owner || owner.host !== hostname() || isAlive(owner.pid)) return false;
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
