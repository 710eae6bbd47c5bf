import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeHttpFetch } from '../../src/adapters/http-fetch.js';

describe('nodeHttpFetch (the fetch ky uses)', () => {
  let server: Server;
  let url: string;
  const received: Array<{ method: string; headers: Record<string, unknown>; body: string }> = [];

  beforeEach(async () => {
    received.length = 0;
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString() });
        if (request.url === '/empty') return void response.writeHead(204).end();
        if (request.url === '/hang') return; // never answers
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
