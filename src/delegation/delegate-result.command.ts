import { parseDuration, formatDuration } from '../base/core/duration.js';
import { FailoverError, usageError } from '../base/core/errors.js';
import { FINAL_STATUSES, type Job, type JobStatus } from './core/contract.js';
import type { Context } from '../context.js';
import { checkJobId } from './delegate-get.command.js';

export interface DelegateResultOptions {
  jobId: string;
  wait?: boolean | undefined;
  timeout?: string | undefined;
}

export interface DelegateResultResult {
  jobId: string;
  status: JobStatus;
  /** True when the job reached completed, failed or cancelled. */
  finished: boolean;
  /** True when --wait gave up at --timeout. */
  timedOut: boolean;
  result: string | null;
  error: string | null;
  provider: string | null;
  costUsd: number | null;
}

/** Poll interval while waiting: starts short (a quick job answers quickly), grows to spare the platform. */
const FIRST_POLL_MS = 1000;
const MAX_POLL_MS = 15_000;
/** Errors worth waiting out (the platform may come back before the timeout); anything else ends the wait. */
const TRANSIENT = new Set(['secutools-unreachable', 'secutools-timeout', 'secutools-malformed']);

/**
 * `ccl-delegate result <job-id> [--wait] [--timeout 10m]`: the job's result text on stdout. Exit 1 (with the reason
 * on stderr) when the job failed or was cancelled, when it is not finished and --wait was not given, or when the
 * wait reached its timeout.
 */
export async function run(options: DelegateResultOptions, ctx: Context): Promise<DelegateResultResult> {
  const jobId = checkJobId(options.jobId);
  const timeoutText = options.timeout ?? '10m';
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined || timeoutMs <= 0) throw usageError(`--timeout: expected a duration such as 30s, 10m or 1h, got ${JSON.stringify(timeoutText)}`);
  const client = await ctx.secutools();
  const clock = ctx.clock;
  const start = clock.monotonicMs();
  let pollMs = FIRST_POLL_MS;
  let lastProblem: string | null = null;
  let job: Job | null = null;

  for (;;) {
    const remaining = timeoutMs - (clock.monotonicMs() - start);
    try {
      job = await client.getJob(jobId, options.wait ? { deadlineMs: Math.max(1, remaining) } : {});
      lastProblem = null;
    } catch (error) {
      if (!options.wait || !(error instanceof FailoverError) || !TRANSIENT.has(error.code)) throw error;
      lastProblem = error.message;
      ctx.log.warn(`still waiting for job ${jobId}: ${error.message}`);
    }
    if (job !== null && FINAL_STATUSES.has(job.status)) break;
    if (!options.wait) break;
    const left = timeoutMs - (clock.monotonicMs() - start);
    if (left <= 0) break;
    await clock.sleep(Math.min(pollMs, left));
    pollMs = Math.min(MAX_POLL_MS, Math.round(pollMs * 1.5));
  }

  const finished = job !== null && FINAL_STATUSES.has(job.status);
  const result: DelegateResultResult = {
    jobId,
    status: job?.status ?? 'queued',
    finished,
    timedOut: Boolean(options.wait) && !finished,
    result: job?.status === 'completed' ? (job.result ?? '') : null,
    error: job?.error ?? null,
    provider: job?.provider ?? null,
    costUsd: job?.costUsd ?? null,
  };
  if (job?.status === 'failed' || job?.status === 'cancelled') ctx.log.error(`job ${jobId} ${job.status}: ${job.error ?? '(no error given)'}`);
  else if (result.timedOut) {
    ctx.log.error(`job ${jobId} did not finish within ${formatDuration(timeoutMs)} (last seen ${job?.status ?? 'never'}${lastProblem ? `; last problem: ${lastProblem}` : ''})`);
  } else if (!finished) ctx.log.error(`job ${jobId} is still ${result.status}; use --wait [--timeout 10m] to wait for it`);
  return result;
}

/** Bare value for bash: the result text only (nothing on stdout when there is no result). */
export function render(result: DelegateResultResult): string {
  return result.result ?? '';
}

export const exitCode = (result: DelegateResultResult) => (result.status === 'completed' ? 0 : 1);
