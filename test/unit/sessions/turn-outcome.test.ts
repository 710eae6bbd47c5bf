import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAnswer, paneTurnFailure, readStopFailure, readTurnRecord } from '../../../src/claude-code/core/turn-record.js';
import { parseTranscriptChunk, turnEndSince } from '../../../src/claude-code/core/transcript.js';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { turnFailure, type TurnEndInput } from '../../../src/sessions/core/turn-outcome.js';

/**
 * The outcome of a turn, evidence × release, from the captures of every release (test/fixtures/claude-code/<v>/):
 * each kind of evidence alone — the StopFailure payload, the transcript, the pane — must say the same outcome.
 */
const FIXTURES = fileURLToPath(new URL('../../fixtures/claude-code/', import.meta.url));
const read = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
const RELEASES = ['2.1.100', '2.1.200', '2.1.328', '2.1.332'];

type Outcome = 'succeeded' | 'usage-limit' | 'login-failed' | 'failed';
const STATES: Record<string, Outcome> = {
  done: 'succeeded',
  'five-hour-limit': 'usage-limit',
  'weekly-limit': 'usage-limit',
  'expired-login': 'login-failed',
  'revoked-login': 'login-failed',
  'invalid-request': 'failed',
  'server-error': 'failed',
  overloaded: 'failed',
};

interface Capture {
  pane: string;
  records: ReturnType<typeof parseTranscriptChunk>;
  hook: { hook_event_name: string; error?: string; last_assistant_message?: string } | null;
}

function capture(release: string, state: string): Capture | null {
  if (!existsSync(join(FIXTURES, release, `${state}.txt`))) return null;
  const hooks = existsSync(join(FIXTURES, release, `${state}.hooks.json`)) ? (JSON.parse(read(join(release, `${state}.hooks.json`))) as Capture['hook'][]) : [];
  return { pane: read(join(release, `${state}.txt`)), records: parseTranscriptChunk(read(join(release, `${state}.transcript.jsonl`)), true), hook: hooks[hooks.length - 1] ?? null };
}

const submittedOf = (c: Capture) => Math.min(...c.records.map((r) => Date.parse(String(r.timestamp))).filter(Number.isFinite));
const NOW = new Date('2026-12-02T07:00:00Z');

function outcomeOf(input: Partial<TurnEndInput>, c: Capture): Outcome {
  const found = turnFailure({ submittedAtMs: submittedOf(c), doneAtMs: null, failedSignal: null, record: null, pane: null, paneIdle: true, paneLimit: false, now: NOW, ...input });
  return found === null ? 'succeeded' : found.failure.kind;
}

const CASES = RELEASES.flatMap((release) => Object.entries(STATES).map(([state, outcome]) => [release, state, outcome] as const)).filter(([r, s]) => capture(r, s) !== null);

describe('the outcome of a turn: every kind of evidence, every release', () => {
  it.each(CASES)('%s %s → %s', (_release, state, outcome) => {
    const c = capture(_release, state) as Capture;
    const submitted = submittedOf(c);
    // The hook: a StopFailure for a failed turn, a Stop for one that worked.
    const hook = c.hook;
    expect(hook?.hook_event_name).toBe(outcome === 'succeeded' ? 'Stop' : 'StopFailure');
    const signal = hook && hook.hook_event_name === 'StopFailure' ? { atMs: submitted + 60_000, error: String(hook.error), message: hook.last_assistant_message ?? null } : null;
    expect(outcomeOf({ failedSignal: signal, doneAtMs: signal ? null : submitted + 60_000 }, c), 'hook').toBe(outcome);
    // The transcript: the newest turn record since the submission.
    expect(outcomeOf({ record: turnEndSince(c.records, submitted) }, c), 'transcript').toBe(outcome);
    // An answer is recorded only for a turn that worked, and not before its end is written: the submitted message
    // alone (the moment the registry may already say idle) is no answer.
    expect(isAnswer(turnEndSince(c.records, submitted)), 'answer recorded').toBe(outcome === 'succeeded');
    const submission = c.records.filter((r) => r.type === 'user').slice(0, 1);
    expect(isAnswer(turnEndSince(submission, submitted)), 'only the submission').toBe(false);
    // The pane alone.
    const reading = readPane(c.pane);
    expect(outcomeOf({ pane: c.pane, paneLimit: reading.limitBanner, paneIdle: reading.claudeUi && !reading.busy }, c), 'pane').toBe(outcome);
  });

  const RETRYING = RELEASES.flatMap((release) => ['server-error-retrying', 'overloaded-retrying'].map((state) => [release, state] as const)).filter(([r, st]) => capture(r, st) !== null);
  it.each(RETRYING)('%s %s: Claude Code still retrying is no failure yet, by record or pane', (release, state) => {
    const c = capture(release, state) as Capture;
    const reading = readPane(c.pane);
    const input = { submittedAtMs: submittedOf(c), doneAtMs: null, failedSignal: null, record: turnEndSince(c.records, submittedOf(c)), pane: c.pane, paneIdle: reading.claudeUi && !reading.busy, paneLimit: reading.limitBanner, now: NOW };
    expect(turnFailure(input)).toBeNull();
  });

  it('the reference 401 record of 2.1.328 is a failed login, with its status', () => {
    const record = JSON.parse(read('transcript-login-expired-401-record.json')) as unknown;
    expect(readTurnRecord(record, NOW)).toMatchObject({ kind: 'failure', failure: { kind: 'login-failed', status: 401 } });
  });
});

describe('readTurnRecord', () => {
  const error = (fields: Record<string, unknown>, text: string) => ({ type: 'assistant', isApiErrorMessage: true, message: { content: [{ type: 'text', text }] }, ...fields });
  it.each([
    ['an answer', { type: 'assistant', message: { content: [{ type: 'text', text: 'Done.' }] } }, { kind: 'answered' }],
    ['a user record', { type: 'user', message: { content: 'hi' } }, { kind: 'none' }],
    ['not an object', 'x', { kind: 'none' }],
    ['403 revoked', error({ apiErrorStatus: 403, error: 'authentication_failed' }, 'OAuth token revoked · Please run /login'), { kind: 'failure', failure: { kind: 'login-failed', status: 403 } }],
    ['an API key refused', error({ error: 'unknown' }, 'Invalid API key · Please run /login'), { kind: 'failure', failure: { kind: 'login-failed' } }],
    ['a 400', error({ apiErrorStatus: 400, error: 'unknown' }, 'API Error: 400 bad'), { kind: 'failure', failure: { kind: 'failed', status: 400, server: false, marker: null } }],
    ['a 529 on 2.1.100 (no status)', error({ error: 'unknown' }, 'API Error: 529 {"type":"error","error":{"type":"overloaded_error"}}'), { kind: 'failure', failure: { kind: 'failed', server: true } }],
    ['credits for a long context: a failed turn, no quota', error({ error: 'rate_limit', apiError: 'long_context_credits_required' }, 'API Error: Usage credits required for 1M context'), { kind: 'failure', failure: { kind: 'failed', server: false } }],
  ])('%s', (_name, record, expected) => {
    expect(readTurnRecord(record, NOW)).toMatchObject(expected);
  });

  it('a long message is folded and bounded', () => {
    const reading = readTurnRecord(error({ apiErrorStatus: 400 }, `API Error: 400 ${'x'.repeat(1000)}\n\nmore`), NOW);
    expect(reading.kind === 'failure' ? reading.failure.message?.length : null).toBe(300);
  });
});

describe('readStopFailure and the pane', () => {
  it('a rate_limit that names a server error is a failed turn, not a limit', () => {
    expect(readStopFailure('rate_limit', 'API Error: 529 overloaded_error')).toMatchObject({ kind: 'failed', server: true });
    expect(readStopFailure('rate_limit', "You've hit your limit")).toMatchObject({ kind: 'usage-limit' });
    expect(readStopFailure('invalid_request', null)).toMatchObject({ kind: 'failed', message: 'API error (invalid_request)' });
  });

  const RULE = '─'.repeat(60);
  const screen = (...lines: string[]) => [...lines, RULE, '❯ ', RULE, '  ⏵⏵ bypass permissions on'].join('\n');
  it('only the newest reply counts, and only as Claude Code starts its error lines', () => {
    expect(paneTurnFailure(screen('❯ do it', '● API Error: 400 bad', '✻ Brewed for 1s'))).toMatchObject({ kind: 'failed', status: 400 });
    expect(paneTurnFailure(screen('● API Error: 400 bad', '❯ [t.md] again'))).toBeNull();
    expect(paneTurnFailure(screen('❯ grep', '● Found: "Please run /login" in logs'))).toBeNull();
    expect(paneTurnFailure(screen('● Done.'))).toBeNull();
    expect(paneTurnFailure('no input box here')).toBeNull();
  });

  it('a Stop signal newer than the failure signal is a later turn that ended', () => {
    const c: Capture = { pane: '', records: [{ type: 'user', timestamp: '2026-12-02T06:00:00Z' }], hook: null };
    const at = Date.parse('2026-12-02T06:00:10Z');
    expect(outcomeOf({ failedSignal: { atMs: at, error: 'unknown', message: 'API Error: 400' }, doneAtMs: at + 1 }, c)).toBe('succeeded');
    expect(outcomeOf({ failedSignal: { atMs: at - 20_000, error: 'unknown', message: 'API Error: 400' } }, c)).toBe('succeeded');
  });
});
