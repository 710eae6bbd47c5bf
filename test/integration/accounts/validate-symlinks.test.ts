import { execa } from 'execa';
import { lstat, mkdir, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeFailover } from '../../support/cli.js';
import { ENTRIES } from '../../support/accounts.js';
import { writeTestConfig } from '../../support/context.js';
import { tempDir } from '../../support/temp.js';

/** A temp HOME with two account homes and a config; nothing shared yet. */
async function setup() {
  const home = await tempDir();
  const config = await writeTestConfig(home);
  const main = join(home, '.claude-main');
  const backup = join(home, '.claude-backup');
  await mkdir(main);
  await mkdir(backup);
  return { home, config, main, backup, shared: join(home, '.claude-shared'), env: { HOME: home } };
}

async function expectAllLinked(homes: string[], shared: string) {
  for (const home of homes) {
    for (const entry of ENTRIES) expect(await readlink(join(home, entry))).toBe(join(shared, entry));
  }
}

describe('claude-failover validate-symlinks (built CLI)', () => {
  it('reports every problem of every home as one JSON document, exit 1, and changes nothing', async () => {
    const { config, env, main, backup } = await setup();
    await symlink('/old/place/projects', join(main, 'projects'));
    await writeFile(join(backup, 'file-history'), 'a file where a link belongs');
    const run = await claudeFailover(['validate-symlinks', '--config', config, '--json'], { env });
    expect(run.exitCode).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.fix).toBe(false);
    expect(doc.remaining).toBe(9);
    expect(doc.problems.map((p: { kind: string; account: string | null; entry: string }) => `${p.kind}:${p.account ?? '-'}:${p.entry}`)).toEqual([
      'missing-target:-:projects',
      'missing-target:-:file-history',
      'missing-target:-:session-env',
      'divergent-link:main:projects',
      'missing-link:main:file-history',
      'missing-link:main:session-env',
      'missing-link:backup:projects',
      'not-a-link:backup:file-history',
      'missing-link:backup:session-env',
    ]);
    expect(doc.problems[3]).toMatchObject({ expected: expect.stringContaining('.claude-shared/projects'), actual: 'symlink to /old/place/projects (dangling)', fixed: false });
    expect(await readdir(main)).toEqual(['projects']);
  });

  it('--fix creates the shared dirs and missing links, keeps the rest, and says what remains', async () => {
    const { config, env, main, backup, shared } = await setup();
    await symlink('/old/place/projects', join(main, 'projects'));
    const run = await claudeFailover(['validate-symlinks', '--config', config, '--fix', '--json'], { env });
    expect(run.exitCode).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.remaining).toBe(1);
    expect(doc.problems.filter((p: { fixed: boolean }) => !p.fixed)).toEqual([expect.objectContaining({ kind: 'divergent-link', account: 'main' })]);
    expect(await readlink(join(main, 'projects'))).toBe('/old/place/projects');
    await expectAllLinked([backup], shared);
    expect(run.stderr).toMatch(/info: linked .*\.claude-backup\/projects/);
  });

  it('--fix on a fresh layout exits 0, and a second run finds nothing (idempotent)', async () => {
    const { config, env, main, backup, shared } = await setup();
    const first = await claudeFailover(['validate-symlinks', '--config', config, '--fix'], { env });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toMatch(/9 problems, 9 fixed, 0 remaining/);
    await expectAllLinked([main, backup], shared);
    const second = await claudeFailover(['validate-symlinks', '--config', config], { env });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/every home follows the shared-state contract/);
  });

  it.each(['validate-symlinks:after-mkdir', 'validate-symlinks:after-link'])('killed at %s, the next --fix finishes the job', async (failpoint) => {
    const { config, env, main, backup, shared } = await setup();
    const killed = await claudeFailover(['validate-symlinks', '--config', config, '--fix'], { env: { ...env, CLAUDE_FAILOVER_FAILPOINT: failpoint } });
    expect(killed.signal).toBe('SIGKILL');
    const again = await claudeFailover(['validate-symlinks', '--config', config, '--fix', '--json'], { env });
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.stdout).remaining).toBe(0);
    await expectAllLinked([main, backup], shared);
  });

  it('a real directory at the active link is reported as needing migration', async () => {
    const { config, env, home } = await setup();
    await mkdir(join(home, '.claude'));
    const run = await claudeFailover(['validate-symlinks', '--config', config, '--fix', '--json'], { env });
    const doc = JSON.parse(run.stdout);
    expect(run.exitCode).toBe(1);
    expect(doc.activeLink).toMatchObject({ state: 'directory', account: null });
    expect(doc.problems.filter((p: { fixed: boolean }) => !p.fixed)).toEqual([
      expect.objectContaining({ kind: 'active-link-not-a-link', message: expect.stringMatching(/needs migration/) }),
    ]);
    expect((await lstat(join(home, '.claude'))).isDirectory()).toBe(true);
  });

  it('a broken config is a usage error (exit 2)', async () => {
    const { home, env } = await setup();
    await writeFile(join(home, 'bad.yaml'), 'accounts: []\n');
    const run = await claudeFailover(['validate-symlinks', '--config', join(home, 'bad.yaml'), '--json'], { env });
    expect(run.exitCode).toBe(2);
    expect(JSON.parse(run.stdout).error.message).toMatch(/accounts: expected at least one account/);
  });
});

describe('replaceSymlinkAtomic under a kill', () => {
  it('killed between the temp link and the rename: the old link is intact, and the next flip sweeps the temp', async () => {
    const root = await tempDir();
    const link = join(root, '.claude');
    await symlink(join(root, '.claude-main'), link);
    const adapter = new URL('../../../dist/src/accounts/symlinks.js', import.meta.url).href;
    const flip = (env: Record<string, string>) =>
      execa('node', ['--input-type=module', '-e', `
        const { replaceSymlinkAtomic } = await import(${JSON.stringify(adapter)});
        await replaceSymlinkAtomic(${JSON.stringify(link)}, ${JSON.stringify(join(root, '.claude-backup'))});
      `], { reject: false, timeout: 20_000, env, extendEnv: false });

    const killed = await flip({ PATH: process.env.PATH ?? '', CLAUDE_FAILOVER_FAILPOINT: 'symlink-replace:after-temp-link' });
    expect(killed.signal).toBe('SIGKILL');
    expect(await readlink(link)).toBe(join(root, '.claude-main'));
    expect((await readdir(root)).filter((name) => name.endsWith('.tmp-link'))).toHaveLength(1);

    const done = await flip({ PATH: process.env.PATH ?? '' });
    expect(done.exitCode).toBe(0);
    expect(await readlink(link)).toBe(join(root, '.claude-backup'));
    expect(await readdir(root)).toEqual(['.claude']);
  });
});
