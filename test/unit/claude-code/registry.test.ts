import { readFileSync } from 'node:fs';
import { appendFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activeAccount } from '../../../src/accounts/active-account.js';
import { parseRegistryEntry, readRegistry, readTranscriptTail, transcriptCandidates, transcriptTailOf } from '../../../src/claude-code/registry.js';
import { registryByPane } from '../../../src/claude-code/pane-sessions.js';
import { chooseActiveAccount } from '../../../src/accounts/core/active-account.js';
import { findSubmission, turnEndSince, parseTranscriptChunk, unwrapPastes } from '../../../src/claude-code/core/transcript.js';
import { tempDir } from '../../support/temp.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/claude-code/${name}`, import.meta.url), 'utf8');
const ID = '77b4d5d5-1c08-4a4c-ae5a-16c9d90f61e1';

describe('session registry', () => {
  it('parses the real registry file and its tmux location', () => {
    const entry = parseRegistryEntry('/h', '/h/sessions/10810.json', fixture('session-registry-busy.json'));
    expect(entry).toMatchObject({ pid: 10810, sessionId: ID, cwd: '/home/op/src/demo', status: 'busy', tmuxSession: 's1', tmuxPane: '%0', statusUpdatedAt: 1795288867579 });
  });

  it('refuses entries without a valid pid or session UUID', () => {
    expect(parseRegistryEntry('/h', 'f', '{"pid":1,"sessionId":"not-a-uuid","cwd":"/"}')).toBeNull();
    expect(parseRegistryEntry('/h', 'f', `{"pid":-3,"sessionId":"${ID}","cwd":"/"}`)).toBeNull();
    expect(parseRegistryEntry('/h', 'f', '{broken')).toBeNull();
  });

  it('reads only live <pid>.json entries and maps each to the pane its process descends from, whatever its tmux field says', async () => {
    const home = await tempDir();
    const live = { pid: process.pid, sessionId: ID, cwd: '/w', tmux: 'ccl-auto-11:@1.%4', status: 'idle', statusUpdatedAt: 5 };
    // A pid far above pid_max: a crash left this file, the process is gone.
    const dead = { ...live, pid: 99_999_999, tmux: 'ccl-auto-1:@2.%5' };
    await mkdir(join(home, 'sessions'));
    await writeFile(join(home, 'sessions', `${process.pid}.json`), JSON.stringify(live));
    await writeFile(join(home, 'sessions', '99999999.json'), JSON.stringify(dead));
    await writeFile(join(home, 'sessions', 'notes.txt'), 'not a registry file');
    // Recent releases keep `<pid>.<hash>.key` files beside the registry: not entries.
    await writeFile(join(home, 'sessions', `${process.pid}.3f9a.key`), JSON.stringify({ ...live, sessionId: '00000000-0000-4000-8000-000000000009' }));
    expect((await readRegistry(home)).map((e) => e.pid)).toEqual([process.pid]);
    // This test's process descends from its parent: the pane whose shell that is owns the entry. The session its
    // tmux field names is on another server here (another shell): not ours.
    const map = await registryByPane([home, join(home, 'missing')], [
      { session: 'ccl-auto-11', panePid: 999_999_999 },
      { session: 'ccl-auto-12', panePid: process.ppid },
    ]);
    expect([...map.keys()]).toEqual(['ccl-auto-12']);
    expect(map.get('ccl-auto-12')?.sessionId).toBe(ID);
  });
});

describe('transcripts', () => {
  it('finds the transcript under the cwd spelled with dashes', async () => {
    const home = await tempDir();
    expect(transcriptCandidates('/h', '/home/op/src/demo', ID)[0]).toBe(`/h/projects/-home-op-src-demo/${ID}.jsonl`);
    const dir = join(home, 'projects', '-w-my.proj');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${ID}.jsonl`), JSON.stringify({ type: 'user', message: { content: 'hi' } }) + '\n');
    expect(await transcriptTailOf({ home, cwd: '/w/my.proj', sessionId: ID })).toHaveLength(1);
  });

  it('reads only the tail of a large file, skipping the cut first line and subagent records', async () => {
    const dir = await tempDir();
    const path = join(dir, 't.jsonl');
    const filler = JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'x'.repeat(1000) }] } }) + '\n';
    await writeFile(path, filler.repeat(5000));
    await appendFile(path, JSON.stringify({ type: 'user', isSidechain: true, message: { content: '[t.md] from a subagent' }, timestamp: '2026-01-01T00:00:02Z' }) + '\n');
    await appendFile(path, JSON.stringify({ type: 'user', isSidechain: false, message: { content: '[t.md] the task' }, timestamp: '2026-01-01T00:00:01Z' }) + '\n');
    const records = await readTranscriptTail(path, 64 * 1024);
    expect(records).not.toBeNull();
    expect(records!.length).toBeLessThan(70);
    expect(records!.every((r) => r.isSidechain !== true)).toBe(true);
    expect(findSubmission(records!, 't.md', Date.parse('2026-01-01T00:00:00Z'))?.message).toEqual({ content: '[t.md] the task' });
  });

  it('parseTranscriptChunk drops a partial first line only when not at the file start', () => {
    const chunk = '"half":1}\n{"type":"user"}\n{"type":"x"';
    expect(parseTranscriptChunk(chunk, false)).toEqual([{ type: 'user' }]);
    expect(parseTranscriptChunk('{"a":1}\n', true)).toEqual([{ a: 1 }]);
  });

  it('unwraps pasted content the way Claude Code stores it', () => {
    const stored = '\n\n<pasted_content id="3d34">\n[t.md] line 1\nline 2;\n</pasted_content id="3d34">\n';
    expect(unwrapPastes(stored)).toBe('[t.md] line 1\nline 2;');
    expect(findSubmission([{ type: 'user', message: { content: stored }, timestamp: '2026-01-01T00:00:00Z' }], 't.md', 0)).not.toBeNull();
    expect(findSubmission([{ type: 'user', message: { content: stored }, timestamp: '2026-01-01T00:00:00Z' }], 't.md', Date.parse('2026-01-02T00:00:00Z'))).toBeNull();
  });

  it("a turn's end is its newest turn record by time, written since the submission", () => {
    const limit = JSON.parse(fixture('transcript-usage-limit-record.json')) as Record<string, unknown>;
    const at = Date.parse(String(limit.timestamp));
    const before = { type: 'user', message: { content: 'Next task' }, timestamp: new Date(at - 30_000).toISOString() };
    const after = { type: 'user', message: { content: 'Next task' }, timestamp: new Date(at + 30_000).toISOString() };
    expect(turnEndSince([before, limit], at - 60_000)).toBe(limit);
    // Appended after the record but written before it (2.1.200): the record is still the turn's end.
    expect(turnEndSince([limit, before], at - 60_000)).toBe(limit);
    expect(turnEndSince([limit, after], at - 60_000)).toBe(after);
    expect(turnEndSince([before, limit], at + 1)).toBeNull();
  });
});

describe('active account', () => {
  const accounts = [{ name: 'main', home: '/h/.claude-main' }, { name: 'backup', home: '/h/.claude-backup' }];

  it('state first, then the link target, then the first account', () => {
    expect(chooseActiveAccount(accounts, 'backup', '/h/.claude-main').name).toBe('backup');
    expect(chooseActiveAccount(accounts, null, '/h/.claude-backup/').name).toBe('backup');
    expect(chooseActiveAccount(accounts, 'gone', null).name).toBe('main');
    expect(chooseActiveAccount(accounts, null, '/elsewhere').name).toBe('main');
  });

  it('reads a relative ~/.claude link', async () => {
    const home = await tempDir();
    const homes = [{ name: 'main', home: join(home, '.claude-main') }, { name: 'backup', home: join(home, '.claude-backup') }];
    await symlink('.claude-backup', join(home, '.claude'));
    expect((await activeAccount({ accounts: homes, activeLink: join(home, '.claude') }, null)).name).toBe('backup');
    expect((await activeAccount({ accounts: homes, activeLink: join(home, 'missing') }, null)).name).toBe('main');
  });
});
