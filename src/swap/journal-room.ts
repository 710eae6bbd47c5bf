/**
 * A swap writes the state at every step, and a step it cannot record it must not take. So before it stops
 * anything, the swap proves the state folder takes its writes (not full, not read-only, not someone else's) and
 * keeps a reserve there. When a later write fails all the same (the disk filled meanwhile, the filesystem went
 * read-only), the run undoes the swap itself, as the journal on disk can no longer be trusted: the reserve is given
 * back first so that the undo's own writes fit, and those writes go on past a fault so the sessions come back
 * whatever the disk does.
 */

import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ExitCode, FailoverError, errorMessage } from '../base/core/errors.js';
import { fsFault, fsFaultCode } from '../base/core/fs-faults.js';
import type { State } from '../base/core/state.js';
import type { LockHandle } from '../base/lock.js';
import type { Context } from '../context.js';

/** Writes the state (with or without the journal in it) under the caller's lock. */
export type Persist = (state: State) => Promise<void>;

export const strictPersist = (ctx: Context, lock: LockHandle): Persist => (state) => ctx.state.save(state, lock);

/** Hidden, in the state folder; a run killed mid-swap leaves it, and the next swap rewrites it. */
export const RESERVE_FILE = '.swap-reserve';
const MIN_RESERVE_BYTES = 64 * 1024;

export interface JournalRoom {
  /** The reserve's path (the file proves the folder takes writes). */
  readonly path: string;
  /** Gives the reserve back to the filesystem: a full disk's undo needs the room. Idempotent. */
  free(): Promise<void>;
}

/**
 * Proves the state folder takes the swap's writes: writes twice the reserve (room for every step's state file,
 * each written beside the old one before the rename, plus the reserve), syncs it, then shrinks it to the reserve
 * kept for the undo. A failure is the swap's answer before anything is stopped, naming the folder and the fix.
 */
export async function reserveJournalRoom(stateDir: string, stateBytes: number): Promise<JournalRoom> {
  const path = join(stateDir, RESERVE_FILE);
  const reserve = Math.max(MIN_RESERVE_BYTES, 4 * stateBytes);
  try {
    const handle = await open(path, 'w', 0o600);
    try {
      // Random bytes: a compressing filesystem would keep zeros in no room at all.
      await handle.writeFile(randomBytes(2 * reserve));
      await handle.sync();
      await handle.truncate(reserve);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await rm(path, { force: true }).catch(() => undefined);
    const fault = fsFault(error, 'write', path, { next: 'run the swap again' });
    if (!fault) throw error;
    throw new FailoverError(ExitCode.failed, fault.code, `the swap cannot record its steps in the state folder, so nothing was stopped: ${fault.message}`, { hint: fault.hint, cause: error });
  }
  let freed = false;
  return {
    path,
    async free() {
      if (freed) return;
      freed = true;
      await rm(path, { force: true }).catch(() => undefined);
    },
  };
}

/**
 * The writes of a swap that is undoing itself (or finishing after its commit) once the disk has refused one: each
 * is tried, a full disk first gets the reserve back, and a fault is noted instead of thrown. `stale` tells whether
 * the newest write failed, so the state file on disk may still hold an older journal.
 */
export class FaultTolerantWrites {
  /** The first fault met by these writes, or null. */
  fault: FailoverError | null = null;
  stale = false;

  constructor(private readonly ctx: Context, private readonly lock: LockHandle, private readonly room: JournalRoom) {}

  readonly persist: Persist = async (state) => {
    let error = await this.attempt(state);
    const code = fsFaultCode(error);
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      await this.room.free();
      error = await this.attempt(state);
    }
    if (error === null) return;
    // A failure that is not the disk's (a lost lock) ends the run as it would have without the fault.
    if (fsFaultCode(error) === null) throw error;
    this.fault ??= error as FailoverError;
    if (!this.stale) this.ctx.log.error(`${errorMessage(error)}; the swap goes on without recording each step`);
    this.stale = true;
  };

  private async attempt(state: State): Promise<unknown> {
    try {
      await this.ctx.state.save(state, this.lock);
      this.stale = false;
      return null;
    } catch (error) {
      return error;
    }
  }
}
