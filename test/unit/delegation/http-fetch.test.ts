import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnswerTooLarge, nodeHttpFetch } from '../../../src/delegation/http-fetch.js';

describe('nodeHttpFetch (the fetch ky uses)', () => {
  let server: Server;
  let url: string;
  const received: Array<{ method: string; headers: Record<string, unknown>; body: string }> = [];
  /** What /endless managed to send before the client hung up (it stops at 64 MB at most). */
  const endless = { sent: 0, closedEarly: false, finished: null as Promise<void> | null };

  beforeEach(async () => {
    received.length = 0;
    Object.assign(endless, { sent: 0, closedEarly: false, finished: null });
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
        if (request.url === '/empty') return void response.writeHead(204).end();
        if (request.url === '/hang') return; // never answers
        if (request.url === '/endless') {
          endless.finished = streamUntilClosed(response, 64 * 1024 * 1024).then((outcome) => void Object.assign(endless, outcome));
          return;
        }
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends method, headers and body; returns status, headers and body', async () => {
    const response = await nodeHttpFetch(new Request(`${url}/jobs`, { method: 'POST', body: '{"x":1}', headers: { 'idempotency-key': 'k1' } }));
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(received[0]).toMatchObject({ method: 'POST', body: '{"x":1}', headers: { 'idempotency-key': 'k1', 'content-length': '7' } });
  });

  it('a null-body status gives a response without a body', async () => {
    const response = await nodeHttpFetch(`${url}/empty`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('an abort rejects with the signal reason and drops the request', async () => {
    const controller = new AbortController();
    const pending = nodeHttpFetch(new Request(`${url}/hang`, { signal: controller.signal }));
    const reason = new Error('attempt timed out');
    setTimeout(() => controller.abort(reason), 50);
    await expect(pending).rejects.toBe(reason);
  });

  it('an answer over the cap is refused while it arrives: the connection is dropped, the rest never sent', async () => {
    const error = await nodeHttpFetch(`${url}/endless`, undefined, { maxBodyBytes: 1024 * 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AnswerTooLarge);
    expect((error as AnswerTooLarge).maxBytes).toBe(1024 * 1024);
    await endless.finished;
    // Buffering it whole first (then refusing) would have let the server send all 64 MB.
    expect(endless.closedEarly).toBe(true);
    expect(endless.sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('an answer within the cap is returned whole', async () => {
    const response = await nodeHttpFetch(`${url}/jobs`, undefined, { maxBodyBytes: 11 });
    expect(await response.text()).toBe('{"ok":true}');
  });

  it('a refused connection is a TypeError with the errno code as cause, like fetch', async () => {
    const closed = url;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const error = await nodeHttpFetch(closed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { cause: { code: string } }).cause.code).toBe('ECONNREFUSED');
  });
});

/**
 * Writes 64 KB chunks (chunked encoding, so no length is announced up front) until `limit` bytes or until the client
 * goes away, honouring backpressure. Says how far it got.
 */
async function streamUntilClosed(response: ServerResponse, limit: number): Promise<{ sent: number; closedEarly: boolean }> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  response.writeHead(200, { 'content-type': 'application/json' });
  let closed = false;
  response.once('close', () => (closed = true));
  let sent = 0;
  while (sent < limit && !closed) {
    sent += chunk.length;
    if (response.write(chunk)) continue;
    await new Promise<void>((resolve) => {
      const done = () => {
        response.off('drain', done);
        response.off('close', done);
        resolve();
      };
      response.once('drain', done);
      response.once('close', done);
    });
  }
  if (!closed) response.end();
  return { sent, closedEarly: closed };
}
