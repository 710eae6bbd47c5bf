import { describe, expect, it } from 'vitest';
import { judgeCompletion, PANE_GRACE_MS, type CompletionInput } from '../../../src/sessions/core/completion.js';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { sessionsToCreate } from '../../../src/sessions/core/pool-plan.js';
import { recoverLaunch } from '../../../src/sessions/core/recovery.js';

const RULE = '─'.repeat(80);
const atPrompt = readPane(['● Done.', '', RULE, '❯ ', RULE, '  ⏵⏵ bypass permissions on'].join('\n'));
const busy = readPane(['✻ Recombobulating…', '', RULE, '❯ ', RULE, '  ⏵⏵ bypass permissions on · esc to interrupt'].join('\n'));
const shell = readPane('Resume this session with:\nclaude --resume fd694bc5-3cca-4bcc-93d1-d2fb004ae3ea\nop@host:~$ ');

const submitted = 1_000_000;
const base: CompletionInput = {
  sessionExists: true,
  signalAtMs: null,
  registry: { status: 'busy', statusUpdatedAt: submitted + 10 },
  panes: [busy],
  atShell: false,
  failure: null,
  answerRecorded: null,
  submittedAtMs: submitted,
  nowMs: submitted + 60_000,
  digest: 'd1',
  previousDigest: 'd1',
  paneChangedAtMs: submitted + 1000,
  idleTimeoutMs: 3_600_000,
};

describe('judgeCompletion (strongest evidence first)', () => {
  it('a signal newer than the submission finishes the task, whatever the screen says', () => {
    expect(judgeCompletion({ ...base, signalAtMs: submitted + 5 })).toEqual({ kind: 'finished', evidence: 'signal' });
  });

  it('a signal older than the submission (an earlier turn) is ignored', () => {
    expect(judgeCompletion({ ...base, signalAtMs: submitted - 5 }).kind).toBe('working');
  });

  it('the registry back to idle after the submission finishes it', () => {
    expect(judgeCompletion({ ...base, registry: { status: 'idle', statusUpdatedAt: submitted + 50 } })).toEqual({ kind: 'finished', evidence: 'registry' });
  });

  it('a registry idle since before the submission is no evidence', () => {
    expect(judgeCompletion({ ...base, registry: { status: 'idle', statusUpdatedAt: submitted - 50 } }).kind).toBe('working');
  });

  it('a busy registry outranks a pane that looks finished', () => {
    expect(judgeCompletion({ ...base, panes: [atPrompt, atPrompt] }).kind).toBe('working');
  });

  it('without a registry the pane must show the prompt on two polls', () => {
    const noRegistry = { ...base, registry: null };
    expect(judgeCompletion({ ...noRegistry, panes: [atPrompt] })).toEqual({ kind: 'confirm' });
    expect(judgeCompletion({ ...noRegistry, panes: [atPrompt, atPrompt] })).toEqual({ kind: 'finished', evidence: 'pane' });
    expect(judgeCompletion({ ...noRegistry, panes: [atPrompt, busy] }).kind).toBe('working');
  });

  it('a transcript without the answer yet keeps the registry and the pane from calling the turn finished', () => {
    // A failed turn's record can reach the disk a moment after the registry went idle: until the transcript says
    // how the turn ended, it is still running as far as the task is concerned.
    const idle = { ...base, registry: { status: 'idle', statusUpdatedAt: submitted + 50 } };
    expect(judgeCompletion({ ...idle, answerRecorded: false })).toEqual({ kind: 'working', digestChanged: false });
    expect(judgeCompletion({ ...idle, answerRecorded: true })).toEqual({ kind: 'finished', evidence: 'registry' });
    const noRegistry = { ...base, registry: null, panes: [atPrompt, atPrompt] };
    expect(judgeCompletion({ ...noRegistry, answerRecorded: false }).kind).toBe('working');
    expect(judgeCompletion({ ...noRegistry, answerRecorded: true })).toEqual({ kind: 'finished', evidence: 'pane' });
    // The Stop hook fires only after a turn that worked: it needs no record.
    expect(judgeCompletion({ ...idle, answerRecorded: false, signalAtMs: submitted + 5 })).toEqual({ kind: 'finished', evidence: 'signal' });
  });

  it('an answer never recorded ends as stalled after the idle timeout, never as finished', () => {
    const idle = { ...base, registry: { status: 'idle', statusUpdatedAt: submitted + 50 }, answerRecorded: false, idleTimeoutMs: 30_000 };
    expect(judgeCompletion(idle)).toEqual({ kind: 'stalled', idleMs: 59_000 });
  });

  it('the pane is not trusted right after the submission', () => {
    expect(judgeCompletion({ ...base, registry: null, panes: [atPrompt, atPrompt], nowMs: submitted + PANE_GRACE_MS - 1 }).kind).toBe('working');
  });

  it('an API error at the end of the turn (usage limit) is never "finished"', () => {
    const limit = { failure: { kind: 'usage-limit', message: null, limit: null }, evidence: 'transcript' } as const;
    expect(judgeCompletion({ ...base, failure: limit, signalAtMs: submitted + 5 })).toEqual({ kind: 'limited', evidence: 'transcript' });
    const login = { failure: { kind: 'login-failed', status: 401, message: 'Please run /login' }, evidence: 'signal' } as const;
    expect(judgeCompletion({ ...base, failure: login, registry: { status: 'idle', statusUpdatedAt: submitted + 9 } })).toEqual({ kind: 'login-failed', evidence: 'signal', message: 'Please run /login' });
    const failed = { failure: { kind: 'failed', status: 400, server: false, marker: null, message: 'API Error: 400 bad' }, evidence: 'pane' } as const;
    expect(judgeCompletion({ ...base, failure: failed, panes: [atPrompt, atPrompt], registry: null })).toEqual({ kind: 'failed', evidence: 'pane', message: 'API Error: 400 bad' });
  });

  it('died: the session is gone, or Claude Code left the pane with no registry entry', () => {
    expect(judgeCompletion({ ...base, sessionExists: false })).toMatchObject({ kind: 'died' });
    expect(judgeCompletion({ ...base, registry: null, panes: [shell] })).toMatchObject({ kind: 'died', reason: expect.stringContaining('no longer running') });
  });

  it('a crashed Claude Code leaves its screen behind: the shell in the foreground still means died', () => {
    expect(judgeCompletion({ ...base, registry: null, panes: [busy], atShell: true })).toMatchObject({ kind: 'died' });
    // With a live registry entry the process exists, whatever tmux reports.
    expect(judgeCompletion({ ...base, panes: [busy], atShell: true }).kind).toBe('working');
  });

  it('stalled once the pane has not changed for idle_timeout', () => {
    const stuck = { ...base, nowMs: submitted + 1000 + base.idleTimeoutMs };
    expect(judgeCompletion(stuck)).toEqual({ kind: 'stalled', idleMs: base.idleTimeoutMs });
    expect(judgeCompletion({ ...stuck, digest: 'd2' })).toEqual({ kind: 'working', digestChanged: true });
  });
});

describe('recoverLaunch', () => {
  it('undo, promote or requeue from the evidence', () => {
    expect(recoverLaunch({ claimedExists: false, sessionExists: true, submitted: false }).kind).toBe('undo');
    expect(recoverLaunch({ claimedExists: true, sessionExists: true, submitted: true }).kind).toBe('promote');
    expect(recoverLaunch({ claimedExists: true, sessionExists: true, submitted: false }).kind).toBe('requeue');
    expect(recoverLaunch({ claimedExists: true, sessionExists: false, submitted: true }).kind).toBe('requeue');
  });
});

describe('sessionsToCreate', () => {
  const pool = { prefix: 'ccl-auto-', startIndex: 11, min: 3, max: 5 };
  it('fills up to min, in index order, inside the range only', () => {
    expect(sessionsToCreate(pool, new Set(['ccl-auto-12', 'ccl-auto-1', 'ccl-auto-110', 'other']))).toEqual(['ccl-auto-11', 'ccl-auto-13']);
    expect(sessionsToCreate(pool, new Set(['ccl-auto-14', 'ccl-auto-15', 'ccl-auto-11']))).toEqual([]);
    expect(sessionsToCreate({ ...pool, min: 0 }, new Set())).toEqual([]);
  });
});
