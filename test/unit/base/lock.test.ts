import { execa } from 'execa';
import { rm, utimes } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { STALE_MS, acquireLock, inspectLock, lockPaths, withLock } from '../../../src/base/lock.js';
import { createMemoryLog } from '../../../src/base/log.js';
import { FailoverError } from '../../../src/base/core/errors.js';
import { tempDir } from '../../support/temp.js';
import { firstOutput, waitFor } from '../../support/wait.js';

describe('lock', () => {
  it('a second holder waits briefly then fails with exit 75 naming the holder', async () => {
    const stateDir = await tempDir();
    const log = createMemoryLog();
    const first = await acquireLock({ stateDir, command: 'dispatch', log });
    const error = await acquireLock({ stateDir, command: 'reconcile', log, waitMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailoverError);
    expect(error).toMatchObject({ exitCode: 75, code: 'locked', message: expect.stringMatching(/^dispatch \(pid \d+/) });
    await first.release();
    const second = await acquireLock({ stateDir, command: 'reconcile', log, waitMs: 200 });
    await second.release();
  });

  it('records the holder for status and clears it on release', async () => {
    const stateDir = await tempDir();
    const log = createMemoryLog();
    await withLock({ stateDir, command: 'scan-inbox', log }, async () => {
      expect(await inspectLock(stateDir, new Date())).toMatchObject({ pid: process.pid, command: 'scan-inbox', stale: false });
    });
    expect(await inspectLock(stateDir, new Date())).toBeNull();
  });

  it('takes over a stale lock left by a dead run', async () => {
    const stateDir = await tempDir();
    const log = createMemoryLog();
    const dead = await acquireLock({ stateDir, command: 'old', log });
    const old = new Date(Date.now() - STALE_MS - 5000);
    // Simulate a run that died long ago: its lock has not been refreshed since.
    await utimes(lockPaths(stateDir).lock, old, old);
    const fresh = await acquireLock({ stateDir, command: 'new', log, waitMs: 200 });
    await fresh.release();
    await dead.release().catch(() => undefined);
  });

  it('a lock abandoned by a killed process is taken at once, not after the stale delay', async () => {
    const stateDir = await tempDir();
    const log = createMemoryLog();
    const child = execa('node', ['--input-type=module', '-e', `
      const { acquireLock } = await import(${JSON.stringify(new URL('../../../dist/src/base/lock.js', import.meta.url).href)});
      const log = { error() {}, warn() {}, info() {}, debug() {} };
      await acquireLock({ stateDir: ${JSON.stringify(stateDir)}, command: 'doomed', log });
      console.log('held');
      setInterval(() => {}, 1000);
    `], { reject: false, timeout: 20_000 });
    await firstOutput(child);
    child.kill('SIGKILL');
    await child;
    const lock = await acquireLock({ stateDir, command: 'next', log, waitMs: 200 });
    expect(log.lines).toContainEqual({ level: 'warn', message: expect.stringMatching(/abandoned by doomed \(pid \d+, no longer running\)/) });
    await lock.release();
  });

  it('a live holder is never treated as abandoned', async () => {
    const stateDir = await tempDir();
    const log = createMemoryLog();
    const held = await acquireLock({ stateDir, command: 'alive', log });
    await expect(acquireLock({ stateDir, command: 'next', log, waitMs: 200 })).rejects.toMatchObject({ exitCode: 75 });
    await held.release();
  });

  it('a compromised lock aborts the command cleanly instead of crashing', async () => {
    const stateDir = await tempDir();
    const log = createMemoryLog();
    // A short stale time so proper-lockfile's next refresh (which notices the loss) comes within about a second.
    const lock = await acquireLock({ stateDir, command: 'dispatch', log, staleMs: 2000 });
    await rm(lockPaths(stateDir).lock, { recursive: true });
    await waitFor('the loss to be noticed', async () => log.lines.some((l) => /lock was lost/.test(l.message)), 10_000);
    expect(() => lock.assertHeld()).toThrow(expect.objectContaining({ exitCode: 75, code: 'lock-lost' }));
    await lock.release();
  });
});
