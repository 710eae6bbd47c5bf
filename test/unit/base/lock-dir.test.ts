import { execa } from 'execa';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOwner, removeLockDir } from '../../../src/base/lock-dir.js';
import { acquireLock, inspectLock, lockPaths } from '../../../src/base/lock.js';
import { createMemoryLog } from '../../../src/base/log.js';
import { tempDir } from '../../support/temp.js';

/**
 * The lock directory names its owner from its first instant (src/base/lock-dir.ts): whatever instant a run is
 * killed at, the next run either finds no lock or a lock whose dead owner it can prove, and takes it at once.
 * test/reliability/random-kills.test.ts found the gap this closes (runs waiting 30 s for a lock naming nobody).
 */
async function deadPid(): Promise<number> {
  const child = execa('node', ['-e', '0']);
  await child;
  return child.pid as number;
}

const owner = (pid: number, command = 'doomed') => JSON.stringify({ pid, host: hostname(), command, since: new Date().toISOString() });

describe('the lock directory names its owner', () => {
  it('a lock whose owner died before recording itself as the holder is taken at once', async () => {
    const stateDir = await tempDir();
    const log = createMemoryLog();
    // What a run killed right after creating the lock leaves: the lock with its owner inside.
    await mkdir(lockPaths(stateDir).lock);
    await writeFile(join(lockPaths(stateDir).lock, 'owner.json'), owner(await deadPid()));
    const lock = await acquireLock({ stateDir, command: 'next', log, waitMs: 200 });
    expect(log.lines).toContainEqual({ level: 'warn', message: expect.stringMatching(/abandoned by doomed \(pid \d+, no longer running\)/) });
    expect(readOwner(lockPaths(stateDir).lock)).toMatchObject({ pid: process.pid, command: 'next' });
    expect(await inspectLock(stateDir, new Date())).toMatchObject({ pid: process.pid, command: 'next' });
    await lock.release();
    expect((await readdir(stateDir)).sort()).toEqual([]);
  });

  it('a lock half created or half removed by a killed run is no lock, and is swept by the next holder', async () => {
    const stateDir = await tempDir();
    const { lock } = lockPaths(stateDir);
    const pid = await deadPid();
    for (const kind of ['new', 'old']) {
      await mkdir(`${lock}.${pid}.0123abcd.${kind}`);
      await writeFile(join(`${lock}.${pid}.0123abcd.${kind}`, 'owner.json'), owner(pid));
    }
    const held = await acquireLock({ stateDir, command: 'next', log: createMemoryLog(), waitMs: 200 });
    expect((await readdir(stateDir)).sort()).toEqual(['claude-failover.lock']);
    await held.release();
  });

  it('a live owner keeps its lock: the next run exits 75 naming it, even without the holder record beside it', async () => {
    const stateDir = await tempDir();
    await mkdir(lockPaths(stateDir).lock);
    await writeFile(join(lockPaths(stateDir).lock, 'owner.json'), owner(process.pid, 'busy-run'));
    const error = await acquireLock({ stateDir, command: 'next', log: createMemoryLog(), waitMs: 200 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 75, message: expect.stringMatching(/^busy-run \(pid \d+, since [^)]+\) holds the lock/) });
  });

  it('removing a lock whose owner changed since it was read puts the new owner’s lock back', async () => {
    const stateDir = await tempDir();
    const { lock } = lockPaths(stateDir);
    await mkdir(lock);
    await writeFile(join(lock, 'owner.json'), owner(process.pid, 'newer'));
    expect(removeLockDir(lock, (await deadPid()))).toBe(false);
    expect(readOwner(lock)).toMatchObject({ command: 'newer' });
    expect(await readdir(stateDir)).toEqual(['claude-failover.lock']);
  });
});
