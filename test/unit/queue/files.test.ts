import { link, lstat, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { claimTask, listInbox, moveWithFooter, queuePaths, readTaskFile, unclaimTask, writeBeside } from '../../../src/queue/files.js';
import { MAX_TASK_BYTES } from '../../../src/queue/core/task.js';
import { tempDir, writeFiles } from '../../support/temp.js';

async function project(files: Record<string, string | Buffer>) {
  const root = await tempDir();
  await mkdir(join(root, '.agent-queue/inbox'), { recursive: true });
  await writeFiles(join(root, '.agent-queue/inbox'), files);
  return root;
}

describe('listInbox', () => {
  it('groups each task with its markers and ignores hidden, temp and non-markdown files', async () => {
    const root = await project({
      'a.md': 'a',
      'b.md': 'b',
      'b.md.delegated': '{}',
      'c.md.dispatched': 'c',
      '.hidden.md': 'x',
      '.a.md.123.tmp': 'x',
      'notes.txt': 'x',
      'draft.md~': 'x',
      'sub.md/inner': 'x',
    });
    const listing = await listInbox(root);
    expect(listing.exists).toBe(true);
    expect(listing.tasks.map(({ name, hasFile, delegated, dispatched }) => ({ name, hasFile, delegated, dispatched }))).toEqual([
      { name: 'a.md', hasFile: true, delegated: false, dispatched: false },
      { name: 'b.md', hasFile: true, delegated: true, dispatched: false },
      { name: 'c.md', hasFile: false, delegated: false, dispatched: true },
    ]);
  });

  it('a project without an inbox is reported, not an error', async () => {
    expect(await listInbox(join(await tempDir(), 'nope'))).toMatchObject({ exists: false, tasks: [] });
  });
});

describe('readTaskFile', () => {
  it('refuses symlinks without reading their target', async () => {
    const root = await project({});
    const path = join(queuePaths(root).inbox, 'evil.md');
    await symlink('/etc/passwd', path);
    expect(await readTaskFile(path)).toEqual({ ok: false, reason: 'task file is a symlink (to /etc/passwd); tasks must be regular files' });
  });

  it('refuses directories and FIFOs without blocking', async () => {
    const root = await project({});
    const inbox = queuePaths(root).inbox;
    await mkdir(join(inbox, 'dir.md'));
    await execa('mkfifo', [join(inbox, 'pipe.md')]);
    expect(readTaskFile(join(inbox, 'dir.md'))).toEqual({ ok: false, reason: 'task path is not a regular file' });
    expect(readTaskFile(join(inbox, 'pipe.md'))).toMatchObject({ ok: false });
  });

  it('refuses files over the size limit, reading no more than the limit', async () => {
    const root = await project({ 'big.md': Buffer.alloc(MAX_TASK_BYTES + 10, 0x61) });
    expect(await readTaskFile(join(queuePaths(root).inbox, 'big.md'))).toMatchObject({ ok: false, reason: expect.stringMatching(/over the 1048576-byte limit/) });
  });

  it('reports a file that vanished as gone', async () => {
    expect(await readTaskFile('/nonexistent/x.md')).toMatchObject({ ok: false, gone: true });
  });
});

describe('claim and un-claim', () => {
  it('claims by rename; the loser of a race gets null', async () => {
    const root = await project({ 't.md': 'task' });
    const path = join(queuePaths(root).inbox, 't.md');
    const results = await Promise.all([claimTask({ path }), claimTask({ path }), claimTask({ path })]);
    expect(results.filter((r) => r !== null)).toEqual([`${path}.dispatched`]);
    expect(await readdir(queuePaths(root).inbox)).toEqual(['t.md.dispatched']);
  });

  it('never claims over a .dispatched file left by older tooling', async () => {
    const root = await project({ 't.md': 'new', 't.md.dispatched': 'legacy' });
    expect(await claimTask({ path: join(queuePaths(root).inbox, 't.md') })).toBeNull();
    expect(await readFile(join(queuePaths(root).inbox, 't.md.dispatched'), 'utf8')).toBe('legacy');
  });

  it('un-claims back to pending, keeping a same-named newcomer', async () => {
    const root = await project({ 't.md.dispatched': 'old', 't.md': 'newcomer' });
    const back = await unclaimTask(join(queuePaths(root).inbox, 't.md.dispatched'));
    expect(back).toBe(join(queuePaths(root).inbox, 't-1.md'));
    expect(await readFile(join(queuePaths(root).inbox, 't.md'), 'utf8')).toBe('newcomer');
    expect(await readFile(back, 'utf8')).toBe('old');
  });

  it('finishes an un-claim killed between its link and its unlink, without a second pending copy', async () => {
    const root = await project({ 't.md.dispatched': 'the task' });
    const inbox = queuePaths(root).inbox;
    await link(join(inbox, 't.md.dispatched'), join(inbox, 't.md'));
    expect(await unclaimTask(join(inbox, 't.md.dispatched'))).toBe(join(inbox, 't.md'));
    expect(await readdir(inbox)).toEqual(['t.md']);
  });
});

describe('moveWithFooter', () => {
  it('moves with a footer and never overwrites a same-named file', async () => {
    const root = await project({ 't.md': 'first' });
    const inbox = queuePaths(root).inbox;
    const first = await moveWithFooter(join(inbox, 't.md'), root, 'failed', { reason: 'bad', at: '2026-11-21T12:00:00Z' });
    await writeFile(join(inbox, 't.md'), 'second');
    const second = await moveWithFooter(join(inbox, 't.md'), root, 'failed', { reason: 'worse' });
    expect([first, second]).toEqual([join(queuePaths(root).failed, 't.md'), join(queuePaths(root).failed, 't-1.md')]);
    expect(await readFile(first, 'utf8')).toMatch(/^first\n\n---\n<!-- claude-failover:failed -->[\s\S]*- reason: bad\n- at: 2026-11-21T12:00:00Z\n$/);
    expect(await readFile(second, 'utf8')).toMatch(/^second[\s\S]*- reason: worse/);
    expect(await readdir(inbox)).toEqual([]);
  });

  it('strips the marker suffix from a claimed task', async () => {
    const root = await project({ 't.md.dispatched': 'work' });
    const dest = await moveWithFooter(join(queuePaths(root).inbox, 't.md.dispatched'), root, 'done', { session: 'ccl-auto-11' });
    expect(dest).toBe(join(queuePaths(root).done, 't.md'));
  });

  it('finishes a move that a killed run left half-done, without a copy or a second footer', async () => {
    const root = await project({ 't.md': 'body' });
    const { inbox, failed } = queuePaths(root);
    // The killed run had linked the task into failed/ and appended the footer, but not unlinked the source.
    await mkdir(failed);
    await link(join(inbox, 't.md'), join(failed, 't.md'));
    await writeFile(join(failed, 't.md'), 'body\n\n---\n<!-- claude-failover:failed -->\nold footer\n', { flag: 'w' });
    const dest = await moveWithFooter(join(inbox, 't.md'), root, 'failed', { reason: 'again' });
    expect(dest).toBe(join(failed, 't.md'));
    expect(await readdir(failed)).toEqual(['t.md']);
    expect(await readdir(inbox)).toEqual([]);
    expect((await readFile(dest, 'utf8')).match(/claude-failover:failed/g)).toHaveLength(1);
  });

  it('records a symlinked task as a plain file and never writes through the link', async () => {
    const root = await project({});
    const target = join(await tempDir(), 'victim.txt');
    await writeFile(target, 'precious');
    await symlink(target, join(queuePaths(root).inbox, 'evil.md'));
    const dest = await moveWithFooter(join(queuePaths(root).inbox, 'evil.md'), root, 'failed', { reason: 'symlink' });
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect((await lstat(dest)).isSymbolicLink()).toBe(false);
    expect(await readFile(dest, 'utf8')).toContain(`task file was a symlink to ${target}`);
  });

  it('writes a companion file beside a finished task under a free name', async () => {
    const root = await project({ 't.md': 'x' });
    const done = await moveWithFooter(join(queuePaths(root).inbox, 't.md'), root, 'done', {});
    expect(await writeBeside(done, '.result.md', 'result')).toBe(join(queuePaths(root).done, 't.result.md'));
    expect(await writeBeside(done, '.result.md', 'again')).toBe(join(queuePaths(root).done, 't.result-1.md'));
  });
});
