import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeSecutools } from '../src/fakes/secutools-server.js';
import { BIN, benchHome } from './fixtures.js';
import { median, timeProcess, type Figure } from './support.js';

const JOBS = 200;
const PROJECTS = 10;
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const API_KEY = 'bench-secutools-key-0123456789';

/** One run: `jobs` finished jobs behind `.delegated` markers, a platform answering in 50 ms, one `reap-delegated`. */
async function reapOnce(server: FakeSecutools, jobs = JOBS) {
  const { home, config, projectDirs } = await benchHome(PROJECTS, {
    delegation: { enabled: true, base_url: server.url, poll_concurrency: CONCURRENCY },
  });
  try {
    for (let i = 0; i < jobs; i++) {
      const job = server.createJob({ prompt: `job ${i}`, provider: 'auto', priority: 'default' });
      server.completeJob(job.id, { result: `Result ${i}\n`.repeat(20), costUsd: 0.01 });
      const inbox = join(projectDirs[i % PROJECTS] as string, '.agent-queue', 'inbox');
      const task = join(inbox, `task-${String(i).padStart(4, '0')}.md`);
      await writeFile(task, `---\ntitle: Task ${i}\nallow_delegation: true\n---\nSummarise report ${i}.\n`);
      const marker = { version: 1, jobId: job.id, provider: 'auto', priority: 'default', title: `Task ${i}`, submittedAt: new Date().toISOString(), idempotencyKey: job.idempotencyKey };
      await writeFile(`${task}.delegated`, JSON.stringify(marker));
    }
    const run = await timeProcess(BIN, ['reap-delegated', '--json'], { HOME: home, CLAUDE_FAILOVER_CONFIG: config, SECUTOOLS_API_KEY: API_KEY });
    if (run.exitCode !== 0) throw new Error(`reap-delegated failed with ${run.exitCode}`);
    const result = JSON.parse(run.stdout) as { completed: unknown[]; concurrency: number };
    if (result.completed.length !== jobs) throw new Error(`reap-delegated completed ${result.completed.length} of ${jobs} jobs`);
    return { ...run, concurrency: result.concurrency };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * reap-delegated of 200 jobs on a platform answering in 50 ms (under 1.5 s, bounded concurrency), and how
 * its time grows from 50 jobs.
 */
export async function benchReap(): Promise<Figure[]> {
  const server = new FakeSecutools({ apiKey: API_KEY, latencyMs: LATENCY_MS });
  await server.start();
  try {
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await reapOnce(server));
    const ms = median(runs.map((r) => r.ms));
    const quarter = [];
    for (let i = 0; i < 3; i++) quarter.push(await reapOnce(server, JOBS / 4));
    const serial = Math.ceil(JOBS / CONCURRENCY) * LATENCY_MS;
    return [
      {
        name: `reap-delegated: ${JOBS} jobs, server answering in ${LATENCY_MS} ms`,
        detail: `median of 3 runs of the built CLI, ${runs[0]?.concurrency} polls at a time (poll_concurrency); network floor ${serial} ms, one at a time would be ${JOBS * LATENCY_MS} ms; the server saw at most ${server.counters.maxInFlight} requests at once`,
        value: ms,
        unit: 'ms',
        goal: { max: 1500 },
      },
      {
        name: `reap-delegated: ${JOBS} jobs vs ${JOBS / 4}`,
        detail: `4x the jobs: the polls are ${CONCURRENCY} at a time, so time grows with jobs / poll_concurrency (at most linearly)`,
        value: ms,
        unit: 'ms',
        floor: median(quarter.map((r) => r.ms)),
        goal: { maxRatio: 4 },
      },
      { name: 'reap-delegated: peak memory', detail: `max RSS of the runs (${JOBS} jobs, results of ~200 bytes)`, value: Math.max(...runs.map((r) => r.peakMb)), unit: 'MB', goal: { max: 100 } },
    ];
  } finally {
    await server.stop();
  }
}
