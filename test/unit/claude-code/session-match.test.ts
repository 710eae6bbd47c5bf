import { describe, expect, it } from 'vitest';
import { chooseDedicatedConversation, matchEntriesToPanes, type DedicatedFacts } from '../../../src/claude-code/core/session-match.js';
import { uuidV4, isUuid } from '../../../src/base/core/uuid.js';

const entry = (pid: number, tmuxSession: string | null = null, statusUpdatedAt: number | null = null) => ({ pid, tmuxSession, statusUpdatedAt });
const panes = [{ session: 'ccl-auto-11', panePid: 100 }, { session: 'ccl-1-demo', panePid: 200 }, { session: 'ccl-auto-12', panePid: null }];

describe('matchEntriesToPanes: registry entries to panes by process ancestry', () => {
  it('an entry belongs to the pane its process descends from, at any depth, or is (exec)', () => {
    const matched = matchEntriesToPanes([
      { entry: entry(101), ancestors: [100, 50, 1] },
      { entry: entry(205), ancestors: [204, 203, 200, 1] },
    ], panes);
    expect(matched.get('ccl-auto-11')?.pid).toBe(101);
    expect(matched.get('ccl-1-demo')?.pid).toBe(205);
    expect(matchEntriesToPanes([{ entry: entry(100), ancestors: [50, 1] }], panes).get('ccl-auto-11')?.pid).toBe(100);
  });

  it('a known ancestry that reaches none of our panes is not ours, even when its tmux field names one of our sessions', () => {
    expect(matchEntriesToPanes([{ entry: entry(301, 'ccl-auto-11'), ancestors: [300, 1] }], panes).size).toBe(0);
  });

  it('an unreadable ancestry falls back to the tmux field; without one the entry is nobody\'s', () => {
    const matched = matchEntriesToPanes([{ entry: entry(301, 'ccl-auto-12'), ancestors: null }, { entry: entry(302), ancestors: null }], panes);
    expect([...matched.keys()]).toEqual(['ccl-auto-12']);
    expect(matchEntriesToPanes([{ entry: entry(303, 'elsewhere'), ancestors: null }], panes).size).toBe(0);
  });

  it('two entries on one pane (a leftover of a crash): the most recently updated wins, in either order', () => {
    const a = { entry: entry(101, null, 5), ancestors: [100] };
    const b = { entry: entry(102, null, 9), ancestors: [100] };
    expect(matchEntriesToPanes([a, b], panes).get('ccl-auto-11')?.pid).toBe(102);
    expect(matchEntriesToPanes([b, a], panes).get('ccl-auto-11')?.pid).toBe(102);
  });
});

const A = '0b7a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
const B = 'fd694bc5-3cca-4bcc-93d1-d2fb004ae3ea';
const C = '11111111-2222-4333-8444-555555555555';
const base: DedicatedFacts = { registryId: null, process: null, transcripts: [], claimed: new Set(), paneHint: null };

describe('chooseDedicatedConversation: the id an operator\'s session resumes', () => {
  it('the registry entry first, whatever else is known', () => {
    expect(chooseDedicatedConversation({ ...base, registryId: A, paneHint: B, process: { startedAtMs: 0, openIds: [B] }, transcripts: [{ id: B, mtimeMs: 1 }] }))
      .toEqual({ id: A, source: 'registry' });
  });

  it('a transcript the process holds open, when it is the only unclaimed one', () => {
    const facts = { ...base, process: { startedAtMs: 1000, openIds: [B, B] }, transcripts: [{ id: A, mtimeMs: 2000 }, { id: B, mtimeMs: 500 }] };
    expect(chooseDedicatedConversation(facts)).toEqual({ id: B, source: 'open-transcript' });
  });

  it('else the one transcript written since the process started that no other session claims', () => {
    const facts = { ...base, process: { startedAtMs: 1000, openIds: [] }, transcripts: [{ id: A, mtimeMs: 2000 }, { id: B, mtimeMs: 3000 }, { id: C, mtimeMs: 999 }], claimed: new Set([B]) };
    expect(chooseDedicatedConversation(facts)).toEqual({ id: A, source: 'transcript-since-start' });
  });

  it('two unclaimed transcripts written since the start prove nothing: the pane hint, else none', () => {
    const facts = { ...base, process: { startedAtMs: 1000, openIds: [] }, transcripts: [{ id: A, mtimeMs: 2000 }, { id: B, mtimeMs: 3000 }] };
    expect(chooseDedicatedConversation({ ...facts, paneHint: C })).toEqual({ id: C, source: 'pane-hint' });
    expect(chooseDedicatedConversation(facts)).toBeNull();
  });

  it('a transcript older than the process is another process\'s (an earlier run): not taken', () => {
    expect(chooseDedicatedConversation({ ...base, process: { startedAtMs: 5000, openIds: [] }, transcripts: [{ id: A, mtimeMs: 4999 }] })).toBeNull();
  });

  it('no process in the pane (at its shell): only the hint Claude Code printed on exit', () => {
    expect(chooseDedicatedConversation({ ...base, transcripts: [{ id: A, mtimeMs: 2000 }], paneHint: B })).toEqual({ id: B, source: 'pane-hint' });
    expect(chooseDedicatedConversation({ ...base, transcripts: [{ id: A, mtimeMs: 2000 }] })).toBeNull();
  });
});

describe('uuidV4: the id of a new conversation', () => {
  it('is a version 4, variant 1 UUID made of the given bytes', () => {
    const id = uuidV4(Uint8Array.from({ length: 16 }, (_, i) => i * 17));
    expect(isUuid(id)).toBe(true);
    expect(id).toBe('00112233-4455-4677-8899-aabbccddeeff');
    expect(uuidV4(new Uint8Array(16).fill(255))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(() => uuidV4(new Uint8Array(15))).toThrow(/16 random bytes/);
  });
});
