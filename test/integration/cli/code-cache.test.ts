import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeFailover } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';

/**
 * bin/run-bundle.js keeps one V8 code cache per command in $XDG_CACHE_HOME/claude-failover. A cache can only make
 * start-up faster: a broken or unwritable one must never change what a command prints, and caches of older builds
 * must not pile up with every upgrade.
 */
async function cacheFiles(cacheHome: string): Promise<string[]> {
  return (await readdir(join(cacheHome, 'claude-failover')).catch(() => [] as string[])).sort();
}

const help = (cacheHome: string) => claudeFailover(['--help'], { env: { HOME: cacheHome, XDG_CACHE_HOME: cacheHome } });

describe('the code cache', () => {
  it('is written after the first run of a command and reused by the next', async () => {
    const cacheHome = await tempDir();
    const first = await help(cacheHome);
    const files = await cacheFiles(cacheHome);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^claude-failover-v[\d.]+-\d+-\d+-help\.v8cache$/);
    const second = await help(cacheHome);
    expect(second.stdout).toBe(first.stdout);
    expect(await cacheFiles(cacheHome)).toEqual(files);
  });

  it('replaces the same command\'s caches of older builds and keeps other commands\' caches', async () => {
    const cacheHome = await tempDir();
    const dir = join(cacheHome, 'claude-failover');
    await help(cacheHome);
    const [current] = await cacheFiles(cacheHome);
    const older = 'claude-failover-v18.0.0-1-1-help.v8cache';
    const otherCommand = 'claude-failover-v18.0.0-1-1-status.v8cache';
    const otherBin = 'ccl-delegate-v18.0.0-1-1-help.v8cache';
    for (const name of [older, otherCommand, otherBin]) await writeFile(join(dir, name), 'stale');
    // The current cache is valid, so nothing is written and nothing pruned; a rejected one is rewritten and prunes.
    await writeFile(join(dir, current as string), 'not a V8 cache');
    const run = await help(cacheHome);
    expect(run.exitCode).toBe(0);
    expect(await cacheFiles(cacheHome)).toEqual([otherBin, current, otherCommand].sort());
  });

  it('a corrupt or unwritable cache changes nothing the command prints', async () => {
    const cacheHome = await tempDir();
    const clean = await help(cacheHome);
    const [file] = await cacheFiles(cacheHome);
    await writeFile(join(cacheHome, 'claude-failover', file as string), Buffer.alloc(4096, 0xff));
    const corrupt = await help(cacheHome);
    const unwritable = await claudeFailover(['--help'], { env: { HOME: cacheHome, XDG_CACHE_HOME: '/proc/self/cache' } });
    for (const run of [corrupt, unwritable]) {
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toBe(clean.stdout);
      expect(run.stderr).toBe('');
    }
  });
});
