import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ancestorsOf, descendantsIn, MAX_ANCESTRY_DEPTH, openFiles, parentPid, processCwd, processEnvVar, processParents, processStartedAtMs } from '../../../src/base/process.js';

describe('the process tree, read from /proc', () => {
  it('a child descends from this process; its ancestry runs up to pid 1', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore', env: { ...process.env, CF_PROBE: 'here' }, cwd: '/' });
    try {
      await once(child, 'spawn');
      const pid = child.pid as number;
      expect(await parentPid(pid)).toBe(process.pid);
      const chain = await ancestorsOf(pid);
      expect(chain?.slice(0, 2)).toEqual([process.pid, process.ppid]);
      expect(chain?.at(-1)).toBe(1);
      expect(descendantsIn(await processParents(), process.pid)).toContain(pid);
      expect(await processEnvVar(pid, 'CF_PROBE')).toBe('here');
      expect(await processEnvVar(pid, 'CF_NOT_SET')).toBeNull();
      expect(await processCwd(pid)).toBe('/');
      const before = Date.now();
      const started = await processStartedAtMs(pid, Date.now());
      // Started by this test, so before this reading (to /proc's 10 ms ticks, and a tick of rounding either way).
      expect(started).not.toBeNull();
      expect(started as number).toBeLessThanOrEqual(before + 20);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a process that is gone has no known ancestry (unknown, not "none") and holds no files', async () => {
    expect(await ancestorsOf(99_999_999)).toBeNull();
    expect(await parentPid(99_999_999)).toBeNull();
    expect(await openFiles(99_999_999)).toEqual([]);
    expect(await processStartedAtMs(99_999_999, Date.now())).toBeNull();
  });

  it('descendants by parent table: children, then theirs, never the root, bounded in depth', () => {
    const parents = new Map([[11, 10], [12, 11], [13, 12], [20, 1], [14, 10]]);
    expect(descendantsIn(parents, 10)).toEqual([11, 14, 12, 13]);
    expect(descendantsIn(parents, 99)).toEqual([]);
    const chain = new Map(Array.from({ length: 100 }, (_, i) => [i + 2, i + 1] as [number, number]));
    expect(descendantsIn(chain, 1)).toHaveLength(MAX_ANCESTRY_DEPTH);
  });

  it('the files a process holds open, resolved', async () => {
    expect((await openFiles(process.pid)).length).toBeGreaterThan(0);
  });
});
