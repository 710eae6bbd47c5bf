import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * A secutools job platform for tests, the demo and the bench: the contract on 127.0.0.1 (node:http),
 * with idempotency, a bearer check, jobs that finish after a delay or on demand, a response latency, and faults
 * that can be switched on to prove the client copes with a platform that fails, hangs or lies.
 * Not production code: it keeps everything in memory.
 */

export type FakeJobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface FakeJob {
  id: string;
  idempotencyKey: string;
  request: Record<string, unknown>;
  status: FakeJobStatus;
  createdAtMs: number;
  provider: string | null;
  result: string | null;
  error: string | null;
  costUsd: number | null;
}

/** One misbehaviour, consumed by the next matching request(s). */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: string; headers?: Record<string, string> }
  /** Accept the connection and never answer. */
  | { kind: 'hang' }
  /** Do the work (a POST creates its job) and then drop the connection without an answer. */
  | { kind: 'close-after-accept' }
  /** Answer 200/201 with this raw body (broken JSON, HTML, the wrong shape...). */
  | { kind: 'body'; body: string; contentType?: string; status?: number };

interface ArmedFault {
  fault: Fault;
  method: 'GET' | 'POST' | 'any';
  remaining: number;
}

export interface FakeSecutoolsOptions {
  apiKey: string;
  /** Delay before every answer (the bench uses 50 ms). */
  latencyMs?: number;
  /** A job completes on the first GET at least this long after its creation; null = only on demand. */
  completeAfterMs?: number | null;
}

export class FakeSecutools {
  readonly counters = { posts: 0, gets: 0, jobsCreated: 0, unauthorized: 0, inFlight: 0, maxInFlight: 0 };
  /** The Idempotency-Key of every POST as it arrives (retries and faulted attempts included; '' when absent). */
  readonly postKeys: string[] = [];
  private readonly jobs = new Map<string, FakeJob>();
  private readonly byKey = new Map<string, string>();
  private readonly faults: ArmedFault[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private nextId = 1;
  private baseUrl = '';
  latencyMs: number;
  completeAfterMs: number | null;

  constructor(private readonly options: FakeSecutoolsOptions) {
    this.latencyMs = options.latencyMs ?? 0;
    this.completeAfterMs = options.completeAfterMs ?? null;
  }

  get url(): string {
    if (!this.server) throw new Error('the fake secutools server is not started');
    return this.baseUrl;
  }

  async start(port = 0): Promise<string> {
    const server = createServer((request, response) => void this.handle(request, response));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Arms a fault for the next `times` requests of `method` (default: any method, once). */
  inject(fault: Fault, options: { times?: number; method?: 'GET' | 'POST' } = {}): void {
    this.faults.push({ fault, method: options.method ?? 'any', remaining: options.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  job(id: string): FakeJob | undefined {
    return this.jobs.get(id);
  }

  allJobs(): FakeJob[] {
    return [...this.jobs.values()];
  }

  /** Creates a job directly (bench and tests that start from an existing job). */
  createJob(request: Record<string, unknown>, idempotencyKey: string = randomBytes(8).toString('hex')): FakeJob {
    const existing = this.byKey.get(idempotencyKey);
    if (existing) return this.jobs.get(existing) as FakeJob;
    const id = `job-${String(this.nextId++).padStart(5, '0')}-${randomBytes(3).toString('hex')}`;
    const job: FakeJob = { id, idempotencyKey, request, status: 'queued', createdAtMs: Date.now(), provider: null, result: null, error: null, costUsd: null };
    this.jobs.set(id, job);
    this.byKey.set(idempotencyKey, id);
    this.counters.jobsCreated++;
    return job;
  }

  completeJob(id: string, outcome: { result?: string; costUsd?: number; provider?: string } = {}): void {
    const job = this.mustGet(id);
    job.status = 'completed';
    job.result = outcome.result ?? `Result of ${id}`;
    job.costUsd = outcome.costUsd ?? 0.0123;
    job.provider = outcome.provider ?? backendFor(job);
  }

  failJob(id: string, error = 'backend crashed', status: 'failed' | 'cancelled' = 'failed'): void {
    const job = this.mustGet(id);
    job.status = status;
    job.error = error;
    job.provider ??= backendFor(job);
  }

  setStatus(id: string, status: FakeJobStatus): void {
    this.mustGet(id).status = status;
  }

  /** Makes the platform forget a job: its GET answers 404 from now on. */
  forgetJob(id: string): void {
    const job = this.mustGet(id);
    this.jobs.delete(id);
    this.byKey.delete(job.idempotencyKey);
  }

  private mustGet(id: string): FakeJob {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    return job;
  }

  private takeFault(method: string): Fault | null {
    const index = this.faults.findIndex((f) => f.method === 'any' || f.method === method);
    if (index === -1) return null;
    const armed = this.faults[index] as ArmedFault;
    if (--armed.remaining <= 0) this.faults.splice(index, 1);
    return armed.fault;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    if (method === 'POST') {
      this.counters.posts++;
      this.postKeys.push(String(request.headers['idempotency-key'] ?? ''));
    }
    if (method === 'GET') this.counters.gets++;
    // How many requests are being served at once: proves the client's concurrency bound from the outside.
    this.counters.inFlight++;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
    response.once('close', () => this.counters.inFlight--);
    let body: string;
    try {
      body = await readBody(request, 1024 * 1024);
    } catch {
      return void response.destroy();
    }
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));

    const fault = this.takeFault(method);
    if (fault?.kind === 'hang') return; // the socket stays open until the client gives up or stop() runs
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...fault.headers };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      response.writeHead(fault.status, headers).end(fault.body ?? JSON.stringify({ error: `injected HTTP ${fault.status}` }));
      return;
    }
    if (fault?.kind === 'body') {
      response.writeHead(fault.status ?? (method === 'POST' ? 201 : 200), { 'content-type': fault.contentType ?? 'application/json' }).end(fault.body);
      return;
    }

    if (request.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      this.counters.unauthorized++;
      return send(response, 401, { error: 'invalid or missing API key' });
    }
    const answer = this.route(method, request.url ?? '/', request.headers, body);
    if (fault?.kind === 'close-after-accept') return void response.destroy();
    send(response, answer.status, answer.body);
  }

  private route(method: string, url: string, headers: IncomingMessage['headers'], body: string): { status: number; body: unknown } {
    const path = new URL(url, 'http://x').pathname;
    if (method === 'POST' && path === '/api/v1/jobs') return this.submit(headers, body);
    const match = /^\/api\/v1\/jobs\/([^/]+)$/.exec(path);
    if (method === 'GET' && match) return this.poll(decodeURIComponent(match[1] as string));
    return { status: 404, body: { error: `no route for ${method} ${path}` } };
  }

  private submit(headers: IncomingMessage['headers'], body: string): { status: number; body: unknown } {
    const key = headers['idempotency-key'];
    if (typeof key !== 'string' || key.trim() === '') return { status: 400, body: { error: 'Idempotency-Key header is required' } };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    const request = parsed as Record<string, unknown>;
    if (typeof request !== 'object' || request === null || typeof request.prompt !== 'string' || request.prompt === '') {
      return { status: 400, body: { error: 'prompt is required' } };
    }
    if (!['auto', 'gpu', 'gemini', 'claude-api'].includes(String(request.provider))) {
      return { status: 422, body: { error: `unknown provider ${JSON.stringify(request.provider)}` } };
    }
    if (!['critical', 'high', 'default', 'low'].includes(String(request.priority))) {
      return { status: 422, body: { error: `unknown priority ${JSON.stringify(request.priority)}` } };
    }
    const existing = this.byKey.has(key);
    const job = this.createJob(request, key);
    return { status: existing ? 200 : 201, body: { job_id: job.id, status: job.status } };
  }

  private poll(id: string): { status: number; body: unknown } {
    const job = this.jobs.get(id);
    if (!job) return { status: 404, body: { error: `unknown job ${id}` } };
    if (job.status === 'queued' || job.status === 'running') {
      if (this.completeAfterMs !== null && Date.now() - job.createdAtMs >= this.completeAfterMs) this.completeJob(id);
      else if (job.status === 'queued') job.status = 'running';
    }
    return {
      status: 200,
      body: { job_id: job.id, status: job.status, provider: job.provider, result: job.result, error: job.error, cost_usd: job.costUsd },
    };
  }
}

/** The backend `auto` triage "picked": a stable answer so footers are predictable in tests. */
function backendFor(job: FakeJob): string {
  const asked = String(job.request.provider ?? 'auto');
  return asked === 'auto' ? 'gemini' : asked;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(request: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/**
 * `node dist/src/fakes/secutools-server.js [--port N] [--latency-ms N] [--complete-after-ms N]`: serves the fake
 * platform for a demo, with the key taken from $SECUTOOLS_API_KEY (or --api-key-env NAME). Prints the base URL.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'latency-ms': { type: 'string', default: '0' },
      'complete-after-ms': { type: 'string', default: '2000' },
      'api-key-env': { type: 'string', default: 'SECUTOOLS_API_KEY' },
    },
  });
  const apiKey = process.env[values['api-key-env'] as string];
  if (!apiKey) throw new Error(`set $${values['api-key-env']} to the key the fake server should accept`);
  const server = new FakeSecutools({ apiKey, latencyMs: Number(values['latency-ms']), completeAfterMs: Number(values['complete-after-ms']) });
  const url = await server.start(Number(values.port));
  process.stdout.write(`${url}\n`);
  const stop = () => void server.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Run as a program only from its own file: bundled into the demo, import.meta.url is the bundle's, which is argv[1].
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && /secutools-server\.[jt]s$/.test(process.argv[1])) await main();
