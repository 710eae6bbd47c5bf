import { lstat, mkdir, readdir, readlink, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applySymlinkFixes,
  inspectDirPath,
  inspectLinkPath,
  observeSharedState,
  readActiveLink,
  replaceSymlinkAtomic,
  requireActiveLink,
} from '../../../src/accounts/symlinks.js';
import { FailoverError } from '../../../src/base/core/errors.js';
import { planSymlinks } from '../../../src/accounts/core/symlinks.js';
import { buildTestConfig } from '../../support/context.js';
import { tempDir } from '../../support/temp.js';

describe('inspecting paths', () => {
  it('tells a link, a directory, a file and nothing apart (links not followed)', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'd'));
    await writeFile(join(root, 'f'), 'x');
    await symlink('d', join(root, 'l'));
    await symlink('nowhere', join(root, 'dangling'));
    expect(await inspectLinkPath(join(root, 'd'))).toMatchObject({ kind: 'directory' });
    expect(await inspectLinkPath(join(root, 'f'))).toEqual({ kind: 'file' });
    expect(await inspectLinkPath(join(root, 'l'))).toEqual({ kind: 'symlink', target: 'd', real: join(root, 'd') });
    expect(await inspectLinkPath(join(root, 'dangling'))).toEqual({ kind: 'symlink', target: 'nowhere', real: null });
    expect(await inspectLinkPath(join(root, 'none'))).toEqual({ kind: 'missing' });
    expect(await inspectLinkPath(join(root, 'f', 'under-a-file'))).toEqual({ kind: 'missing' });
  });

  it('follows links for directories, but a dangling link is not "missing"', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'd'));
    await symlink('d', join(root, 'l'));
    await symlink('nowhere', join(root, 'dangling'));
    expect(await inspectDirPath(join(root, 'l'))).toEqual({ kind: 'directory', real: join(root, 'd') });
    expect(await inspectDirPath(join(root, 'dangling'))).toMatchObject({ kind: 'symlink' });
  });
});

describe('observe, plan and fix real homes', () => {
  it('repairs what is missing and leaves divergent links and real files alone', async () => {
    const home = await tempDir();
    const config = buildTestConfig(home);
    const main = join(home, '.claude-main');
    const backup = join(home, '.claude-backup');
    await mkdir(main);
    await mkdir(join(backup, 'projects'), { recursive: true });
    await writeFile(join(backup, 'projects', 'transcript.jsonl'), '{}\n');
    await symlink('/somewhere/else', join(main, 'file-history'));

    const plan = planSymlinks(config, await observeSharedState(config));
    expect(plan.problems.map((p) => `${p.kind}:${p.account ?? '-'}:${p.entry}`).sort()).toEqual(
      [
        'missing-target:-:projects',
        'missing-target:-:file-history',
        'missing-target:-:session-env',
        'missing-link:main:projects',
        'divergent-link:main:file-history',
        'missing-link:main:session-env',
        'not-a-link:backup:projects',
        'missing-link:backup:file-history',
        'missing-link:backup:session-env',
      ].sort(),
    );

    const outcomes = await applySymlinkFixes(plan.fixes);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(await readlink(join(main, 'projects'))).toBe(join(home, '.claude-shared', 'projects'));
    expect(await readlink(join(main, 'file-history'))).toBe('/somewhere/else'); // never rewritten
    expect((await lstat(join(backup, 'projects'))).isDirectory()).toBe(true); // never replaced
    expect(await readdir(join(backup, 'projects'))).toEqual(['transcript.jsonl']);
    expect(((await lstat(join(home, '.claude-shared', 'projects'))).mode & 0o777).toString(8)).toBe('700');

    const after = planSymlinks(config, await observeSharedState(config));
    expect(after.problems.map((p) => p.kind).sort()).toEqual(['divergent-link', 'not-a-link']);
  });

  it('a link fix never replaces something that appeared after the check', async () => {
    const home = await tempDir();
    await mkdir(join(home, 'shared'));
    await mkdir(join(home, 'home', 'projects'), { recursive: true }); // appeared "meanwhile"
    const outcomes = await applySymlinkFixes([{ kind: 'symlink', path: join(home, 'home', 'projects'), target: join(home, 'shared') }]);
    expect(outcomes[0]).toMatchObject({ ok: false, error: expect.stringMatching(/appeared/) });
    expect((await lstat(join(home, 'home', 'projects'))).isDirectory()).toBe(true);
  });
});

describe('replaceSymlinkAtomic', () => {
  it('creates the link when missing and flips it when present', async () => {
    const root = await tempDir();
    const link = join(root, '.claude');
    await replaceSymlinkAtomic(link, join(root, '.claude-main'));
    expect(await readlink(link)).toBe(join(root, '.claude-main'));
    await replaceSymlinkAtomic(link, join(root, '.claude-backup'));
    expect(await readlink(link)).toBe(join(root, '.claude-backup'));
    expect((await readdir(root)).sort()).toEqual(['.claude']); // no temp link left behind
  });

  it('refuses to replace a real directory or file (needs migration), leaving it untouched', async () => {
    const root = await tempDir();
    await mkdir(join(root, '.claude'));
    await writeFile(join(root, '.claude', 'settings.json'), '{}');
    const error = await replaceSymlinkAtomic(join(root, '.claude'), join(root, '.claude-main')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailoverError);
    expect(error).toMatchObject({ code: 'needs-migration', exitCode: 1 });
    expect(await readdir(join(root, '.claude'))).toEqual(['settings.json']);

    await writeFile(join(root, 'file-link'), 'x');
    await expect(replaceSymlinkAtomic(join(root, 'file-link'), root)).rejects.toMatchObject({ code: 'needs-migration' });
  });

  it('sweeps temp links a killed run left behind, and only those', async () => {
    const root = await tempDir();
    // Temp links are named `.<link name>.<pid>.<random>.tmp-link`: for `.claude`, `..claude.….tmp-link`.
    await symlink('/x', join(root, '..claude.1234.deadbeef.tmp-link'));
    await writeFile(join(root, '..claude.notes.tmp-link'), 'a real file with a similar name');
    await symlink('/y', join(root, '..other.1234.deadbeef.tmp-link'));
    await replaceSymlinkAtomic(join(root, '.claude'), '/target');
    expect((await readdir(root)).sort()).toEqual(['..claude.notes.tmp-link', '..other.1234.deadbeef.tmp-link', '.claude']);
  });

  it('fails with a clear error when the directory does not exist', async () => {
    const root = await tempDir();
    await expect(replaceSymlinkAtomic(join(root, 'no', 'such', '.claude'), '/t')).rejects.toMatchObject({ code: 'symlink' });
  });
});

describe('readActiveLink', () => {
  it('reports missing, a symlink (resolved), or a real directory', async () => {
    const root = await tempDir();
    const link = join(root, '.claude');
    expect(await readActiveLink(link)).toEqual({ kind: 'missing', path: link });
    await symlink('.claude-main', link);
    expect(await readActiveLink(link)).toEqual({ kind: 'symlink', path: link, target: '.claude-main', resolved: join(root, '.claude-main') });
    const real = join(root, 'real', '.claude');
    await mkdir(real, { recursive: true });
    expect(await readActiveLink(real)).toEqual({ kind: 'directory', path: real });
  });

  it('requireActiveLink turns a real directory into the needs-migration error', async () => {
    const root = await tempDir();
    await mkdir(join(root, '.claude'));
    await expect(requireActiveLink(join(root, '.claude'))).rejects.toMatchObject({ code: 'needs-migration', hint: expect.stringMatching(/swap-account --to/) });
    expect(await requireActiveLink(join(root, 'absent'))).toMatchObject({ kind: 'missing' });
  });
});
