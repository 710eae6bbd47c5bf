import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgeCompletion, type CompletionInput } from '../../../src/sessions/core/completion.js';
import { turnFailure } from '../../../src/sessions/core/turn-outcome.js';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { judgeLiveSession } from '../../../src/quota/core/evidence.js';
import { newestTurnRecord } from '../../../src/claude-code/core/transcript.js';
import { paneShowsUsageLimit } from '../../../src/claude-code/core/limit-scan.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/claude-code/${name}`, import.meta.url), 'utf8');
const LIMIT_5H = fixture('usage-limit-5h.txt');
const RECORD = JSON.parse(fixture('transcript-usage-limit-record.json')) as Record<string, unknown>;
const RULE = '─'.repeat(100);
const screen = (...lines: string[]) => ['', ...lines, '', RULE, '❯ ', RULE, '  ⏵⏵ bypass permissions on (shift+tab to cycle)'].join('\n');
/** A finished turn with `notice` in the footer under the input box, where Claude Code shows its banners. */
const footer = (notice: string) => ['', '● Done.', '', RULE, '❯ ', RULE, `  ${notice}`, '  ⏵⏵ bypass permissions on (shift+tab to cycle)'].join('\n');

describe('one notion of "this pane shows a usage limit" (check-quota and reconcile alike)', () => {
  it('the captured limit screen is one, the other captured screens are not', () => {
    expect(paneShowsUsageLimit(LIMIT_5H)).toBe(true);
    for (const name of ['idle-prompt.txt', 'busy-working.txt', 'turn-done.txt', 'after-exit-resume-hint.txt']) expect(paneShowsUsageLimit(fixture(name)), name).toBe(false);
  });

  it('subagent limits, extra usage, warnings and quota words in the conversation are not', () => {
    for (const text of [
      screen('● Concurrent subagent limit reached · waiting for a slot'),
      footer('⚠ Concurrent subagent limit reached'),
      footer('⚠ 5-hour limit reached · continuing with extra usage'),
      screen('● Approaching usage limit (95%) · resets 3pm'),
      screen('❯ grep "usage limit reached" logs/', '● Found 3 lines: Usage limit reached · resets 3pm'),
    ]) expect(paneShowsUsageLimit(text), text).toBe(false);
  });

  it('a server error in the same tail vetoes it', () => {
    expect(paneShowsUsageLimit(screen('⎿  Usage limit reached · resets 3pm', '⎿  API Error: 529 {"type":"overloaded_error"}'))).toBe(false);
  });

  const base: CompletionInput = {
    sessionExists: true, signalAtMs: null, registry: { status: 'idle', statusUpdatedAt: 2_000 }, panes: [], atShell: false, failure: null, answerRecorded: null,
    submittedAtMs: 1_000, nowMs: 60_000, digest: null, previousDigest: null, paneChangedAtMs: null, idleTimeoutMs: 3_600_000,
  };
  it('reconcile: a turn ending on the limit screen is "limited"; subagent-limit or extra-usage banners are not', () => {
    const judge = (pane: string) => {
      const reading = readPane(pane);
      const failure = turnFailure({ submittedAtMs: 1_000, doneAtMs: null, failedSignal: null, record: null, pane, paneIdle: true, paneLimit: reading.limitBanner, now: new Date(60_000) });
      return judgeCompletion({ ...base, panes: [reading], failure });
    };
    expect(judge(LIMIT_5H)).toEqual({ kind: 'limited', evidence: 'pane' });
    for (const notice of ['⚠ Concurrent subagent limit reached', '⚠ Weekly limit reached · continuing with extra usage']) {
      expect(judge(footer(notice)), notice).toEqual({ kind: 'finished', evidence: 'registry' });
    }
  });
});

describe('judgeLiveSession', () => {
  const now = new Date((RECORD.apiErrorParams as { rate_limit_info: { resetsAt: number } }).rate_limit_info.resetsAt * 1000 - 3_600_000);
  const recordAt = Date.parse(String(RECORD.timestamp));
  const records = [{ type: 'user', timestamp: RECORD.timestamp }, RECORD, { type: 'system', subtype: 'x' }];

  it('the newest turn is the last user or assistant record (system records say nothing)', () => {
    expect(newestTurnRecord(records)).toBe(RECORD);
    expect(newestTurnRecord([{ type: 'summary' }])).toBeNull();
  });

  it('newest by timestamp: a message sent appended after the error record that answered it does not hide it', () => {
    const sent = { type: 'user', timestamp: new Date(recordAt - 200).toISOString() };
    expect(newestTurnRecord([RECORD, { type: 'system', subtype: 'x' }, sent])).toBe(RECORD);
    const later = { type: 'user', timestamp: new Date(recordAt + 1000).toISOString() };
    expect(newestTurnRecord([RECORD, later])).toBe(later);
    // Without timestamps, the place in the file decides.
    expect(newestTurnRecord([{ type: 'user' }, { type: 'assistant', n: 2 }])).toEqual({ type: 'assistant', n: 2 });
  });

  it('the usage-limit record of the live process confirms the limit with its exact reset', () => {
    const verdict = judgeLiveSession({ pane: LIMIT_5H, records, processStartedAt: recordAt - 60_000, now });
    expect(verdict).toMatchObject({ kind: 'limit', source: 'transcript', pattern: 'transcript-rate-limit' });
  });

  it('a process started after its newest turn (a resumed conversation) shows history, not a limit', () => {
    const verdict = judgeLiveSession({ pane: LIMIT_5H, records, processStartedAt: recordAt + 1000, now });
    expect(verdict).toMatchObject({ kind: 'clear', pattern: null, note: expect.stringContaining('history') });
  });

  it('without a registry start time or a transcript, the pane alone decides', () => {
    expect(judgeLiveSession({ pane: LIMIT_5H, records: null, processStartedAt: Date.now(), now, defaultZone: 'UTC' }).kind).toMatch(/limit|suspected/);
    expect(judgeLiveSession({ pane: LIMIT_5H, records, processStartedAt: null, now }).kind).toBe('limit');
  });
});

describe('judgeLiveSession: login evidence and its age', () => {
  const PANE = fixture('login-expired-401.txt');
  const now = new Date('2026-12-02T12:00:00Z');
  const at = (m: number) => now.getTime() - m * 60_000;
  const judge = (extra: Record<string, unknown>) => judgeLiveSession({ pane: PANE, records: null, processStartedAt: null, now, ...extra });
  it('a StopFailure signal counts when newer than the last login or swap and the process start', () => {
    const signal = { atMs: at(1), error: 'authentication_failed', message: 'Please run /login · API Error: 401' };
    expect(judge({ failedSignal: signal })).toMatchObject({ kind: 'login-failed', source: 'signal' });
    expect(judge({ failedSignal: signal, loginSince: at(0.5) })).toMatchObject({ kind: 'clear' });
    expect(judge({ failedSignal: signal, processStartedAt: at(0.5) })).toMatchObject({ kind: 'clear' });
  });

  it("without a record the pane counts for a pool session's turn newer than the last login or swap", () => {
    expect(judge({ paneTurnSince: at(2), loginSince: at(5) })).toMatchObject({ kind: 'login-failed', source: 'pane' });
    expect(judge({ paneTurnSince: at(5), loginSince: at(2) })).toMatchObject({ kind: 'clear' });
    expect(judge({})).toMatchObject({ kind: 'clear' });
  });
});

