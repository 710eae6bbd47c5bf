import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicStandIn, resetIn } from './harness/anthropic-stand-in.js';

/** The stand-in on its own: what a client sees per mode and account, and what it records. */
const stands: AnthropicStandIn[] = [];
afterEach(async () => {
  await Promise.all(stands.splice(0).map((s) => s.stop()));
});

async function standIn(): Promise<AnthropicStandIn> {
  const s = new AnthropicStandIn();
  await s.start();
  stands.push(s);
  s.addAccount('main', 'tok-main');
  s.addAccount('backup', 'tok-backup');
  return s;
}

const turn = (text: string, stream = true) => ({
  model: 'claude-sonnet-5-5',
  stream,
  tools: [{ name: 'Bash' }],
  metadata: { user_id: JSON.stringify({ device_id: 'd', session_id: '0B7A1C2E-3D4F-4A5B-8C6D-7E8F9A0B1C2D' }) },
  messages: [
    { role: 'user', content: [{ type: 'text', text: '<system-reminder>context</system-reminder>' }, { type: 'text', text: `\n\n<pasted_content id="ab12">\n${text}\n</pasted_content id="ab12">\n` }] },
    { role: 'system', content: [{ type: 'text', text: 'more context' }] },
  ],
});

const post = (s: AnthropicStandIn, token: string, body: unknown) =>
  fetch(`${s.url}/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the Anthropic API stand-in', () => {
  it('streams a reply as the Messages API does and records the account, the conversation and the typed text', async () => {
    const s = await standIn();
    const response = await post(s, 'tok-main', turn('say "hi" $HOME'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = [...(await response.text()).matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(s.turns('main')).toEqual([expect.objectContaining({ path: '/v1/messages', status: 200, userText: 'say "hi" $HOME', pasteWrapped: true, sessionId: '0b7a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d', stream: true, turn: true })]);
  });

  it('answers whole when no stream is asked', async () => {
    const s = await standIn();
    const body = await (await post(s, 'tok-main', turn('x', false))).json() as { content: Array<{ text: string }>; stop_reason: string };
    expect(body).toMatchObject({ content: [{ text: 'Done.' }], stop_reason: 'end_turn' });
  });

  it('limits one account with the unified rate-limit headers while the other is served', async () => {
    const s = await standIn();
    const resetsAt = resetIn(3);
    s.setMode({ kind: 'five-hour-limit', resetsAt }, 'main');
    const limited = await post(s, 'tok-main', turn('a'));
    expect(limited.status).toBe(429);
    expect(Object.fromEntries(['status', 'reset', 'representative-claim'].map((h) => [h, limited.headers.get(`anthropic-ratelimit-unified-${h}`)])))
      .toEqual({ status: 'rejected', reset: String(resetsAt), 'representative-claim': 'five_hour' });
    expect(await limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect((await post(s, 'tok-backup', turn('b'))).status).toBe(200);
    s.setMode({ kind: 'weekly-limit', resetsAt }, 'main');
    expect((await post(s, 'tok-main', turn('c'))).headers.get('anthropic-ratelimit-unified-representative-claim')).toBe('seven_day');
  });

  it.each([
    ['api-key-limit', 429, 'rate_limit_error'],
    ['invalid-request', 400, 'invalid_request_error'],
    ['expired-login', 401, 'authentication_error'],
    ['revoked-login', 403, 'permission_error'],
    ['server-error', 500, 'api_error'],
    ['overloaded', 529, 'overloaded_error'],
  ] as const)('%s answers %d %s', async (kind, status, type) => {
    const s = await standIn();
    s.setMode({ kind });
    const response = await post(s, 'tok-main', turn('x'));
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type } });
    expect(response.headers.get('anthropic-ratelimit-unified-status')).toBeNull();
  });

  it('gives any other path an empty success and records it; an unknown token is told apart', async () => {
    const s = await standIn();
    const response = await fetch(`${s.url}/api/oauth/profile`, { headers: { authorization: 'Bearer nobody' } });
    expect(response.status).toBe(200);
    expect(s.requests).toEqual([expect.objectContaining({ method: 'GET', path: '/api/oauth/profile', account: 'unknown', turn: null })]);
  });
});
