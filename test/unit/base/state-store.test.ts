import { execa } from 'execa';
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/base/lock.js';
import { createMemoryLog } from '../../../src/base/log.js';
import { createStateStore } from '../../../src/base/state-store.js';
import { STATE_VERSION, emptyState, normalizeState } from '../../../src/base/core/state.js';
import { REPO_ROOT } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';
import { firstOutput } from '../../support/wait.js';

const now = () => new Date('2026-11-21T12:00:00Z');

describe('state store', () => {
  it('starts fresh, then writes mode 0600 in a 0700 dir', async () => {
    const dir = join(await tempDir(), 'state');
    const log = createMemoryLog();
    const store = createStateStore(dir, log, now);
    const state = await store.load();
    expect(state).toEqual(emptyState());
    const lock = await acquireLock({ stateDir: dir, command: 'test', log });
    state.activeAccount = 'main';
    await store.save(state, lock);
    await lock.release();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(store.path, 'utf8'))).toMatchObject({ version: STATE_VERSION, activeAccount: 'main' });
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a reader without the lock reports a corrupt file and leaves it where it is', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'state.json'), '{"version": 1, "sessions": ');
    const log = createMemoryLog();
    expect(await createStateStore(dir, log, now).load()).toEqual(emptyState());
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(log.lines).toEqual([{ level: 'error', message: expect.stringMatching(/unreadable: not valid JSON.*the next command that changes anything moves it aside/) }]);
  });

  it('moves a corrupt file aside with a timestamp and reports it loudly (under the lock)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'state.json'), '{"version": 1, "sessions": ');
    const log = createMemoryLog();
    const lock = await acquireLock({ stateDir: dir, command: 'test', log });
    const state = await createStateStore(dir, log, now).load(lock);
    await lock.release();
    expect(state).toEqual(emptyState());
    const files = await readdir(dir);
    expect(files).toContain('state.json.corrupt-2026-11-21T12-00-00-000Z');
    expect(files).not.toContain('state.json');
    expect(log.lines).toEqual([{ level: 'error', message: expect.stringMatching(/unreadable: not valid JSON.*moved to/) }]);
  });

  it('a save removes the temp files of writers killed mid-write, never a live writer\'s', async () => {
    const dir = join(await tempDir(), 'state');
    const log = createMemoryLog();
    const store = createStateStore(dir, log, now);
    await mkdir(dir, { recursive: true });
    const killed = execa('node', ['-e', '0']);
    await killed;
    const stale = `.state.json.${killed.pid}.0123abcd.tmp`;
    const live = `.state.json.${process.pid}.89abcdef.tmp`;
    for (const name of [stale, live]) await writeFile(join(dir, name), '{"half": ');
    const lock = await acquireLock({ stateDir: dir, command: 'test', log });
    await store.save(emptyState(), lock);
    await lock.release();
    expect((await readdir(dir)).sort()).toEqual([live, 'state.json'].sort());
  });

  it('refuses a state written by a newer schema instead of guessing', () => {
    expect(normalizeState({ version: 99 })).toEqual({ ok: false, reason: 'state version 99 is newer than this build reads (1)', newer: 99 });
    expect(normalizeState({ version: 0 })).toEqual({ ok: false, reason: 'unsupported state version 0 (this build reads 1)' });
    expect(normalizeState({ version: '2' })).toEqual({ ok: false, reason: 'unsupported state version "2" (this build reads 1)' });
    expect(normalizeState({ version: 1, sessions: { s: { state: 'dancing' } } })).toMatchObject({ ok: false });
    expect(normalizeState({ version: 1, swaps: {} })).toMatchObject({ ok: false, reason: 'field "swaps" has the wrong type' });
  });

  it('a state file of a newer version is refused with exit 2, naming the file and both versions, and left in place', async () => {
    const dir = await tempDir();
    const text = '{"version": 99, "accounts": {"main": {"exhaustedUntil": "2026-11-21T15:00:00Z"}}}\n';
    await writeFile(join(dir, 'state.json'), text);
    const log = createMemoryLog();
    const store = createStateStore(dir, log, now);
    const lock = await acquireLock({ stateDir: dir, command: 'test', log });
    const refused = await store.load(lock).catch((error: unknown) => error);
    await lock.release();
    expect(refused).toMatchObject({ exitCode: 2, code: 'state-newer', message: `the state file ${store.path} has version 99; this build reads version 1` });
    await expect(store.load()).rejects.toMatchObject({ code: 'state-newer' });
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(await readFile(store.path, 'utf8')).toBe(text);
  });

  it('fills fields added since the file was written', () => {
    const parsed = normalizeState({ version: 1, activeAccount: 'b', counters: { dispatched: 4 } });
    expect(parsed).toMatchObject({ ok: true, state: { activeAccount: 'b', sessions: {}, counters: { dispatched: 4, swaps: 0 } } });
  });

  it('a process killed mid-write leaves the previous valid file behind', async () => {
    const dir = await tempDir();
    await mkdir(dir, { recursive: true });
    for (let round = 0; round < 8; round++) {
      const child = execa('node', [join(REPO_ROOT, 'test/fixtures/state-writer.mjs'), dir], { reject: false, timeout: 20_000 });
      await firstOutput(child);
      await new Promise((resolve) => setTimeout(resolve, 20 + round * 17));
      child.kill('SIGKILL');
      await child;
      const text = await readFile(join(dir, 'state.json'), 'utf8').catch(() => null);
      if (text === null) continue; // Killed before the first rename: no state yet is also a valid outcome.
      const parsed = normalizeState(JSON.parse(text));
      expect(parsed.ok).toBe(true);
    }
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')).counters.dispatched).toBeGreaterThan(0);
  });
});
