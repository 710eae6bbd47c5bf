import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { createMemoryLog } from '../../../src/base/log.js';
import { createSecutoolsClient, type SecutoolsClientOptions, type Timing } from '../../../src/delegation/secutools-client.js';
import { ExitCode, FailoverError } from '../../../src/base/core/errors.js';
import type { SubmitRequest } from '../../../src/delegation/core/contract.js';
import type { FakeSecutools } from '../../../src/fakes/secutools-server.js';
import { SecretWatch, TEST_API_KEY, startSecutools } from '../../support/delegation.js';

/** Virtual time for backoff: sleeps are recorded and advance the clock instantly, so nothing here waits for real. */
function virtualTiming(): Timing & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  const epoch = Date.parse('2026-11-21T12:00:00Z');
  return { sleeps, now: () => new Date(epoch + now), monotonicMs: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)), random: () => 0.5 };
}

const request: SubmitRequest = {
  prompt: 'Summarise the logs',
  provider: 'gpu',
  priority: 'high',
  metadata: { project: '/p', task: 't.md', title: 'T', complexity_hint: null, tags: ['a'] },
};

async function failure(promise: Promise<unknown>): Promise<FailoverError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FailoverError);
  return error as FailoverError;
}

describe('secutools client against the fake platform', () => {
  let server: FakeSecutools;
  const watch = new SecretWatch();
  const log = createMemoryLog();
  let timing: ReturnType<typeof virtualTiming>;

  const client = (overrides: Partial<SecutoolsClientOptions> = {}) =>
    createSecutoolsClient({ baseUrl: server.url, apiKey: TEST_API_KEY, apiKeyEnv: 'SECUTOOLS_API_KEY', requestTimeoutMs: 2000, retries: 4, timing, log, ...overrides });

  beforeEach(async () => {
    server = await startSecutools();
    timing = virtualTiming();
    log.lines.length = 0;
  });
  afterEach(async () => {
    await server.stop();
    watch.see(...log.lines.map((l) => l.message));
  });
  // Every message and log line of the file, checked once at the end.
  afterAll(() => watch.assertClean([]));

  const see = (error: FailoverError) => {
    watch.see(error.message, error.hint);
    return error;
  };

  it('submits with bearer auth and the idempotency key, and reads the job back', async () => {
    const submitted = await client().submit(request, 'key-0001');
    expect(submitted.status).toBe('queued');
    expect(server.postKeys).toEqual(['key-0001']);
    expect(server.job(submitted.jobId)?.request).toEqual(request);
    server.completeJob(submitted.jobId, { result: 'the summary', costUsd: 0.5, provider: 'gpu-a100' });
    expect(await client().getJob(submitted.jobId)).toEqual({
      jobId: submitted.jobId,
      status: 'completed',
      provider: 'gpu-a100',
      result: 'the summary',
      error: null,
      costUsd: 0.5,
    });
  });

  it('retries 503s with backoff, then succeeds: exactly one job, every attempt with the same key', async () => {
    server.inject({ kind: 'status', status: 503 }, { times: 2, method: 'POST' });
    const submitted = await client().submit(request, 'key-0002');
    expect(server.counters.posts).toBe(3);
    expect(server.counters.jobsCreated).toBe(1);
    expect(server.postKeys).toEqual(['key-0002', 'key-0002', 'key-0002']);
    expect(server.job(submitted.jobId)).toBeDefined();
    expect(timing.sleeps).toEqual([188, 375]); // 250·2^(n-1) with equal jitter at random 0.5
    expect(log.lines.some((l) => l.message.includes('attempt 1 got HTTP 503; retrying'))).toBe(true);
  });

  it('honours Retry-After in seconds and as an HTTP date', async () => {
    server.inject({ kind: 'status', status: 429, retryAfter: '3' }, { method: 'POST' });
    server.inject({ kind: 'status', status: 503, retryAfter: new Date(timing.now().getTime() + 60_000).toUTCString() }, { method: 'POST' });
    await client({ deadlineMs: 600_000 }).submit(request, 'key-0003');
    expect(timing.sleeps[0]).toBe(3000);
    expect(timing.sleeps[1]).toBeGreaterThan(50_000);
    expect(timing.sleeps[1]).toBeLessThanOrEqual(60_000);
  });

  it('gives up at once when Retry-After reaches past the deadline', async () => {
    server.inject({ kind: 'status', status: 503, retryAfter: '3600' }, { method: 'POST' });
    const error = see(await failure(client({ deadlineMs: 10_000 }).submit(request, 'key-0004')));
    expect(error.code).toBe('secutools-unreachable');
    expect(error.message).toContain('the server asked to retry after 3600s');
    expect(timing.sleeps).toEqual([]);
  });

  it('retries a connection closed after the job was accepted and gets the same job back', async () => {
    server.inject({ kind: 'close-after-accept' }, { method: 'POST' });
    const submitted = await client().submit(request, 'key-0005');
    expect(server.counters.posts).toBe(2);
    expect(server.counters.jobsCreated).toBe(1);
    expect(server.allJobs().map((j) => j.id)).toEqual([submitted.jobId]);
  });

  it('a hang is retried with the same key, then classified as a timeout', async () => {
    server.inject({ kind: 'hang' }, { times: 100 });
    // Virtual clock: the deadline never interferes, so the attempts are exactly 1 + retries.
    const error = see(await failure(client({ requestTimeoutMs: 100, retries: 2, deadlineMs: 60_000 }).submit(request, 'key-hang')));
    expect(error.code).toBe('secutools-timeout');
    expect(error.exitCode).toBe(ExitCode.failed);
    expect(error.message).toContain('did not answer POST /api/v1/jobs in time (per attempt 0.1s; 3 attempts');
    expect(server.counters.posts).toBe(3);
    expect(server.postKeys).toEqual(['key-hang', 'key-hang', 'key-hang']);
  });

  it('a hang ends at the overall deadline, however many retries are allowed', async () => {
    server.inject({ kind: 'hang' }, { times: 1000 });
    const realClock: Timing = { now: () => new Date(), monotonicMs: () => performance.now(), sleep: async () => undefined, random: () => 0 };
    const error = see(await failure(client({ requestTimeoutMs: 100, retries: 20, deadlineMs: 300, timing: realClock }).getJob('job-1')));
    expect(error.code).toBe('secutools-timeout');
    expect(error.message).toContain('no time left before the deadline');
    expect(server.counters.gets).toBeLessThan(21);
  });

  it('an unreachable platform is classified after its retries', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = see(await failure(client({ baseUrl: `http://127.0.0.1:${port}`, retries: 2 }).submit(request, 'key-0006')));
    expect(error.code).toBe('secutools-unreachable');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('3 attempts');
    expect(timing.sleeps).toHaveLength(2);
  });

  it.each([
    ['broken JSON', { kind: 'body', body: '{"job_id": "job-1", "sta' } as const, 'text that is not JSON'],
    ['an HTML page', { kind: 'body', body: '<html><body>Sign in</body></html>', contentType: 'text/html' } as const, 'with HTML'],
    ['a number for job_id', { kind: 'body', body: '{"job_id": 17, "status": "queued"}' } as const, '"job_id" is number 17'],
    ['no job_id', { kind: 'body', body: '{"id": "x", "status": "queued"}' } as const, '"job_id" is missing'],
    ['a path for job_id', { kind: 'body', body: '{"job_id": "../../admin", "status": "queued"}' } as const, 'expected a plain identifier'],
    ['an unknown status', { kind: 'body', body: '{"job_id": "job-1", "status": "done"}' } as const, 'unknown status'],
    ['an empty body', { kind: 'body', body: '' } as const, 'not JSON'],
  ])('garbage fails cleanly, without retrying: %s', async (_name, fault, expected) => {
    server.inject(fault, { method: 'POST' });
    const error = see(await failure(client().submit(request, 'key-0007')));
    expect(error.code).toBe('secutools-malformed');
    expect(error.message).toContain(expected);
    expect(server.counters.posts).toBe(1);
  });

  it('an answer about another job is malformed, not trusted', async () => {
    const job = server.createJob({ prompt: 'x', provider: 'auto', priority: 'low' });
    server.inject({ kind: 'body', body: JSON.stringify({ job_id: 'job-other', status: 'completed', result: 'not yours' }) }, { method: 'GET' });
    const error = see(await failure(client().getJob(job.id)));
    expect(error.code).toBe('secutools-malformed');
    expect(error.message).toContain('but the answer is about job job-other');
  });

  it('refuses an answer too large to be a job', async () => {
    server.inject({ kind: 'body', body: `{"job_id":"j","status":"queued","pad":"${'x'.repeat(9 * 1024 * 1024)}"}` }, { method: 'POST' });
    const error = see(await failure(client().submit(request, 'key-0008')));
    expect(error.code).toBe('secutools-malformed');
    expect(error.message).toContain('more than');
  });

  it('refuses a 40 MB answer as it arrives (secutools-malformed), without retrying', async () => {
    const job = server.createJob({ prompt: 'x', provider: 'auto', priority: 'low' });
    server.inject({ kind: 'body', body: `{"job_id":"${job.id}","status":"completed","result":"${'x'.repeat(40 * 1024 * 1024)}"}` }, { method: 'GET' });
    const error = see(await failure(client().getJob(job.id)));
    expect(error.code).toBe('secutools-malformed');
    expect(error.message).toBe(`secutools sent more than ${8 * 1024 * 1024} bytes for GET /api/v1/jobs/${job.id}; refused`);
    expect(server.counters.gets).toBe(1);
    // The connection was dropped, not kept: the next call works on a fresh one.
    expect((await client().getJob(job.id)).status).toBe('running');
  });

  it('a wrong key is reported as an authentication problem naming the variable, never the key', async () => {
    const error = see(await failure(client({ apiKey: 'wrong-key-123456' }).submit(request, 'key-0009')));
    expect(error.code).toBe('secutools-rejected');
    expect(error.message).toContain('an authentication problem with $SECUTOOLS_API_KEY');
    expect(error.message).toContain('HTTP 401');
    expect(error.message).not.toContain('wrong-key-123456');
    expect(server.counters.posts).toBe(1); // a 4xx is not retried
  });

  it('a 4xx carries the server message; a key echoed back by the server is scrubbed', async () => {
    server.inject({ kind: 'status', status: 422, body: JSON.stringify({ error: `prompt too long for key ${TEST_API_KEY}` }) }, { method: 'POST' });
    const error = see(await failure(client().submit(request, 'key-0010')));
    expect(error.code).toBe('secutools-rejected');
    expect(error.message).toBe('secutools rejected POST /api/v1/jobs with HTTP 422: prompt too long for key [redacted]');
  });

  it('job text from the server is scrubbed of the key too', async () => {
    const job = server.createJob({ prompt: 'x', provider: 'auto', priority: 'low' });
    server.failJob(job.id, `auth header was Bearer ${TEST_API_KEY}`);
    const read = await client().getJob(job.id);
    expect(read.error).toBe('auth header was Bearer [redacted]');
  });

  it('a redirect is refused, not followed with the key', async () => {
    server.inject({ kind: 'status', status: 302, headers: { location: 'http://127.0.0.1:9/steal' } }, { method: 'POST' });
    const error = see(await failure(client().submit(request, 'key-0011')));
    expect(error.code).toBe('secutools-rejected');
    expect(error.message).toContain('redirect (HTTP 302)');
  });

  it('a 404 on GET is "not found"', async () => {
    const error = see(await failure(client().getJob('job-nope')));
    expect(error.code).toBe('secutools-not-found');
    expect(error.message).toBe('secutools does not know job job-nope (HTTP 404)');
  });
});
