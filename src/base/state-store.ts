import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, FailoverError, errnoCode, errorMessage } from './core/errors.js';
import { fsFault } from './core/fs-faults.js';
import { STATE_VERSION, emptyState, normalizeState, type State } from './core/state.js';
import { sweepTempFiles, writeFileAtomic } from './fs-atomic.js';
import { processAlive } from './process.js';
import type { LockHandle } from './lock.js';
import type { Log } from './log.js';

export interface StateStore {
  readonly path: string;
  /**
   * The current state; a missing file is a fresh state. A corrupt one is reported and read as a fresh state; it is
   * moved aside only by a caller holding the lock: a reader without it (status, a dry run) could otherwise move a good
   * file that a locked writer put in place between its read and its rename. A file of a newer version is refused
   * (exit 2) and left where it is.
   */
  load(lock?: LockHandle): Promise<State>;
  /** Writes atomically and durably. Needs the lock: a lost lock aborts here, before anything is written. */
  save(state: State, lock: LockHandle): Promise<void>;
}

export function createStateStore(stateDir: string, log: Log, now: () => Date): StateStore {
  const path = join(stateDir, 'state.json');
  const ensureDir = () => mkdir(stateDir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw fsFault(error, 'create the state folder', stateDir, { isDir: true }) ?? error;
  });
  return {
    path,
    async load(lock) {
      await ensureDir();
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if (errnoCode(error) === 'ENOENT') return emptyState();
        // Not a file we can read (a directory, no permission): nothing is moved, the operator decides.
        throw new FailoverError(ExitCode.failed, 'state-unreadable', `cannot read the state file ${path}: ${errnoCode(error) ?? errorMessage(error)}`, {
          hint: `${path} must be a regular file readable by this user; move it away to start with a fresh state`,
        });
      }
      let parsed;
      try {
        parsed = normalizeState(JSON.parse(text));
      } catch (error) {
        parsed = { ok: false as const, reason: `not valid JSON (${errorMessage(error)})` };
      }
      if (parsed.ok) return parsed.state;
      if (parsed.newer !== undefined) {
        // Written by a later build: never moved aside nor read as fresh (that would forget what it records).
        throw new FailoverError(ExitCode.usage, 'state-newer', `the state file ${path} has version ${parsed.newer}; this build reads version ${STATE_VERSION}`, {
          hint: `run the claude-failover build that wrote ${path} (or a newer one); the file is left as it is`,
        });
      }
      if (!lock) {
        log.error(`state file ${path} is unreadable: ${parsed.reason}. Read as a fresh state; the next command that changes anything moves it aside.`);
        return emptyState();
      }
      lock.assertHeld();
      const aside = `${path}.corrupt-${now().toISOString().replace(/[:.]/g, '-')}`;
      await rename(path, aside).catch((error: unknown) => {
        throw fsFault(error, 'move aside the unreadable state file', path) ?? error;
      });
      log.error(`state file ${path} is unreadable: ${parsed.reason}. It was moved to ${aside} and a fresh state started. ` +
        'Tasks that were running (inbox/*.md.dispatched) are rebuilt by the next reconcile: each is re-owned by the pool session ' +
        'whose conversation holds it, or given back to the inbox. Counters restart at 0.');
      return emptyState();
    },
    async save(state, lock) {
      lock.assertHeld();
      await ensureDir();
      await writeFileAtomic(path, JSON.stringify(state, null, 2) + '\n', 0o600);
      await sweepTempFiles(path, processAlive);
    },
  };
}
