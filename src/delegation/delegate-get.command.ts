import { FINAL_STATUSES, isValidJobId, type Job } from './core/contract.js';
import { usageError } from '../base/core/errors.js';
import type { Context } from '../context.js';

export interface DelegateGetOptions {
  jobId: string;
}

export function checkJobId(jobId: string): string {
  if (!isValidJobId(jobId)) throw usageError(`${JSON.stringify(String(jobId).slice(0, 60))} is not a job id (expected letters, digits, ".", "_", ":" or "-")`);
  return jobId;
}

/** `ccl-delegate get <job-id>`: the job's status on stdout; exit 1 when the job failed or was cancelled. */
export async function run(options: DelegateGetOptions, ctx: Context): Promise<Job> {
  const client = await ctx.secutools();
  const job = await client.getJob(checkJobId(options.jobId));
  if (job.status === 'failed' || job.status === 'cancelled') ctx.log.error(`job ${job.jobId} ${job.status}: ${job.error ?? '(no error given)'}`);
  return job;
}

export function render(job: Job): string {
  return job.status;
}

export const exitCode = (job: Job) => (FINAL_STATUSES.has(job.status) && job.status !== 'completed' ? 1 : 0);
