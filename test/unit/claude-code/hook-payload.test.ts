import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { insideAny, parseStopFailurePayload, parseStopPayload, stopsTheAccount } from '../../../src/claude-code/core/hook-payload.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/claude-code/${name}`, import.meta.url), 'utf8');
const ID = '5f39222e-e79f-41bc-88b5-7019149d97ab';
const base = { session_id: ID, transcript_path: `/home/op/.claude-a/projects/-home-op-src-proj/${ID}.jsonl`, cwd: '/home/op/src/proj', hook_event_name: 'StopFailure', error: 'rate_limit' };
const payload = (fields: Record<string, unknown>) => JSON.stringify({ ...base, ...fields });

describe('parseStopFailurePayload', () => {
  it("reads the real payloads of a usage limit and of a failed login", () => {
    expect(parseStopFailurePayload(fixture('hook-stopfailure-rate-limit.json'))).toEqual({
      ok: true,
      value: {
        sessionId: ID,
        transcriptPath: `/home/op/.claude-a/projects/-home-op-src-proj/${ID}.jsonl`,
        cwd: '/home/op/src/proj',
        error: 'rate_limit',
        message: "You've hit your session limit · resets 12:50am (UTC)",
      },
    });
    const login = parseStopFailurePayload(fixture('hook-stopfailure-authentication-failed.json'));
    expect(login).toMatchObject({ ok: true, value: { error: 'authentication_failed', message: expect.stringMatching(/^Please run \/login · API Error: 401/) } });
  });

  it('keeps any kind a release sends, bounded and printable; the message too', () => {
    expect(parseStopFailurePayload(payload({ error: 'invalid_request' }))).toMatchObject({ ok: true, value: { error: 'invalid_request', message: null } });
    const odd = parseStopFailurePayload(payload({ error: `x\u001b[31m${'k'.repeat(100)}`, last_assistant_message: `API Error: 400\u0007 ${'m'.repeat(3000)}` }));
    expect(odd.ok).toBe(true);
    if (!odd.ok) return;
    expect(odd.value.error).toMatch(/^x\\x1b\[31mk+…$/);
    expect(odd.value.error.length).toBeLessThan(80);
    expect(odd.value.message).toMatch(/^API Error: 400\\x07 m+…$/);
    expect((odd.value.message ?? '').length).toBeLessThan(2100);
    // A message of the wrong type is dropped, not the payload.
    expect(parseStopFailurePayload(payload({ last_assistant_message: { text: 'x' } }))).toMatchObject({ ok: true, value: { message: null } });
  });

  it.each([
    ['nothing', '', /no hook JSON/],
    ['not JSON', 'rate_limit', /not JSON/],
    ['a JSON array', '[1]', /not an object/],
    ['a Stop payload', payload({ hook_event_name: 'Stop' }), /a Stop event, not StopFailure/],
    ['an event name of the wrong type', payload({ hook_event_name: 7 }), /malformed event/],
    ['no error kind', payload({ error: undefined }), /no error kind/],
    ['an error kind that is an object', payload({ error: { type: 'rate_limit' } }), /no error kind/],
    ['a blank error kind', payload({ error: '  ' }), /no error kind/],
    ['a session id that is not a UUID', payload({ session_id: '../../etc/passwd' }), /not a UUID/],
    ['a session id that is a number', payload({ session_id: 42 }), /not a UUID/],
    ['a relative transcript path', payload({ transcript_path: `projects/${ID}.jsonl` }), /absolute path/],
    ['a transcript path with ..', payload({ transcript_path: `/home/op/.claude-a/projects/../../../etc/${ID}.jsonl` }), /absolute path/],
    ['a transcript path that is not a transcript', payload({ transcript_path: '/etc/shadow' }), /absolute path/],
    ['a transcript path with a NUL', payload({ transcript_path: `/home/op/\u0000/${ID}.jsonl` }), /absolute path/],
    ["another session's transcript", payload({ transcript_path: '/home/op/.claude-a/projects/p/a314fa85-501d-4a22-964d-f29328697948.jsonl' }), /not the transcript of session_id/],
    ['a cwd that is a list', payload({ cwd: ['/'] }), /cwd/],
  ])('refuses %s', (_label, text, reason) => {
    const result = parseStopFailurePayload(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('a project folder with a control character in its name is still a folder (kept as it is, escaped where shown)', () => {
    const cwd = '/home/op/src/ctl\u001b]0;x\u0007';
    expect(parseStopFailurePayload(payload({ cwd, transcript_path: `/home/op/.claude-a/projects/ctl\u001b/${ID}.jsonl` }))).toMatchObject({ ok: true, value: { cwd } });
  });

  it('fields Claude Code may leave out are null', () => {
    expect(parseStopFailurePayload('{"error":"rate_limit"}')).toEqual({ ok: true, value: { sessionId: null, transcriptPath: null, cwd: null, error: 'rate_limit', message: null } });
  });
});

describe('parseStopPayload', () => {
  it('reads the common fields; an empty stdin is no payload; anything Claude Code would not send is refused', () => {
    expect(parseStopPayload(payload({ hook_event_name: 'Stop' }))).toEqual({ ok: true, value: { sessionId: ID, transcriptPath: base.transcript_path, cwd: base.cwd } });
    expect(parseStopPayload('')).toEqual({ ok: true, value: null });
    expect(parseStopPayload('not json')).toEqual({ ok: false, reason: 'stdin is not JSON' });
    expect(parseStopPayload(payload({ hook_event_name: 'Stop', session_id: 'x' }))).toEqual({ ok: false, reason: 'session_id is not a UUID' });
    expect(parseStopPayload(payload({ hook_event_name: 'SubagentStop' }))).toEqual({ ok: false, reason: 'a SubagentStop event, not Stop' });
  });
});

describe('what starts check-quota at once', () => {
  it('a usage limit and a failed login; not a bad request, a server error or an unknown kind', () => {
    expect(['rate_limit', 'authentication_failed'].map(stopsTheAccount)).toEqual([true, true]);
    expect(['invalid_request', 'server_error', 'unknown', 'RATE_LIMIT', 'rate_limit '].map(stopsTheAccount)).toEqual([false, false, false, false, false]);
  });

  it('insideAny: under a root, not beside it', () => {
    expect(insideAny('/s/projects/p/x.jsonl', ['/s/projects'])).toBe(true);
    expect(insideAny('/s/projects-evil/x.jsonl', ['/s/projects'])).toBe(false);
    expect(insideAny('/s/projects', ['/s/projects'])).toBe(false);
  });
});
