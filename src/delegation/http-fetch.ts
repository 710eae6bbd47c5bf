import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

/**
 * A minimal `fetch` over node:http(s) for ky's `fetch` option. Why not the global fetch: in Node 20 the first real
 * fetch instantiates undici's WASM HTTP parser, about 30 MB of resident memory — a third of the whole budget of a
 * one-shot command (under 100 MB). This covers what the secutools client uses: one request with a
 * buffered body, the caller's abort signal, no redirects followed (a 3xx is returned as it is, like
 * `redirect: 'manual'`), connection reuse within the run, and a cap on the answer's size.
 */

// Keep-alive within one run (200 polls reuse a handful of sockets). Node's agent unrefs idle sockets, so they never
// hold the process open; a socket the server closed meanwhile fails as a network error, which the client retries.
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** The answer was longer than the caller's cap: the connection was dropped as soon as the cap was passed. */
export class AnswerTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the answer is longer than ${maxBytes} bytes`);
  }
}

export interface FetchLimits {
  /** Answers longer than this are refused while they arrive, so no more than this is ever held in memory. */
  maxBodyBytes?: number;
}

export async function nodeHttpFetch(input: string | URL | Request, init?: RequestInit, limits: FetchLimits = {}): Promise<Response> {
  const maxBodyBytes = limits.maxBodyBytes ?? Number.POSITIVE_INFINITY;
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  const body = request.body === null ? null : Buffer.from(await request.arrayBuffer());
  const signal = request.signal;
  signal.throwIfAborted();

  return new Promise<Response>((resolve, reject) => {
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    if (body !== null) headers['content-length'] = String(body.length);
    const send = secure ? httpsRequest : httpRequest;
    const outgoing = send(url, { method: request.method, headers, agent: secure ? agents.https : agents.http });
    const onAbort = () => outgoing.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);

    outgoing.on('error', (error) => {
      done();
      reject(signal.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
    });
    outgoing.on('response', (incoming: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      incoming.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBodyBytes) return void chunks.push(chunk);
        // Counted as it arrives, not after: a 200 MB answer must not be buffered whole just to be refused.
        chunks.length = 0;
        done();
        reject(new AnswerTooLarge(maxBodyBytes));
        outgoing.destroy(); // the rest is never read; the socket is dropped, not returned to the pool
      });
      incoming.on('error', (error) => {
        done();
        reject(signal.aborted ? signal.reason : new TypeError('fetch failed', { cause: error }));
      });
      incoming.on('aborted', () => incoming.emit('error', new Error('the connection closed mid-answer')));
      incoming.on('end', () => {
        done();
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value === undefined) continue;
          for (const item of Array.isArray(value) ? value : [value]) responseHeaders.append(name, item);
        }
        const status = incoming.statusCode ?? 0;
        // Response refuses a body for null-body statuses (204, 304...): the platform never sends one for those.
        const nullBody = status === 204 || status === 205 || status === 304 || request.method === 'HEAD';
        resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }));
      });
    });
    outgoing.end(body ?? undefined);
  });
}
