import { unreachable } from '../../base/core/errors.js';
import type { DelegatedMarker, RecordedOutcome } from './markers.js';
import { formatDuration } from '../../base/core/duration.js';
import type { FooterFields } from '../../queue/core/footer.js';
import type { Job } from './contract.js';

/**
 * What `reap-delegated` does with one delegated job, decided from the marker, the platform's answer and the clock.
 * Pure: the command polls, asks here, and applies.
 */

/** The platform's answer to one poll, already classified by the client. */
export type PollAnswer =
  | { kind: 'job'; job: Job }
  | { kind: 'not-found'; message: string }
  /** Network trouble, a timeout, garbage or a refusal: nothing is known about the job right now. */
  | { kind: 'error'; code: string; message: string };

export type ReapDecision =
  | { action: 'finish'; final: Omit<RecordedOutcome, 'taskInode'> }
  | { action: 'wait'; status: 'queued' | 'running'; ageMs: number }
  | { action: 'keep'; message: string };

export function decideReap(marker: DelegatedMarker, answer: PollAnswer, now: Date, jobTimeoutMs: number): ReapDecision {
  const finishedAt = now.toISOString();
  const ageMs = now.getTime() - Date.parse(marker.submittedAt);
  if (answer.kind === 'error') return { action: 'keep', message: answer.message };
  if (answer.kind === 'not-found') {
    return {
      action: 'finish',
      final: { outcome: 'failed', status: 'unknown-job', reason: `unknown job: ${answer.message}`, ranOn: null, costUsd: null, result: null, finishedAt },
    };
  }
  const { job } = answer;
  const common = { ranOn: job.provider, costUsd: job.costUsd, finishedAt };
  switch (job.status) {
    case 'completed':
      return { action: 'finish', final: { ...common, outcome: 'done', status: 'completed', reason: 'completed', result: job.result ?? '' } };
    case 'failed':
    case 'cancelled':
      return {
        action: 'finish',
        final: { ...common, outcome: 'failed', status: job.status, reason: `secutools job ${job.status}: ${job.error ?? '(the platform gave no error message)'}`, result: null },
      };
    case 'queued':
    case 'running':
      if (ageMs > jobTimeoutMs) {
        return {
          action: 'finish',
          final: {
            ...common,
            outcome: 'failed',
            status: 'timed-out',
            reason: `timed out: still ${job.status} ${formatDuration(ageMs)} after submission (delegation.job_timeout is ${formatDuration(jobTimeoutMs)})`,
            result: null,
          },
        };
      }
      return { action: 'wait', status: job.status, ageMs };
    default:
      return unreachable(job.status, 'job status');
  }
}

/** The footer of a task that leaves the queue after delegation: where it ran, cost, job, times. */
export function delegationFooter(marker: DelegatedMarker, final: RecordedOutcome): FooterFields {
  const durationMs = Date.parse(final.finishedAt) - Date.parse(marker.submittedAt);
  return {
    'ran on': `secutools (${final.ranOn ?? marker.provider})`,
    'requested provider': marker.provider,
    ...(final.outcome === 'failed' ? { reason: final.reason } : {}),
    cost: final.costUsd === null ? null : `$${final.costUsd.toFixed(4)}`,
    'job id': marker.jobId,
    submitted: marker.submittedAt,
    finished: final.finishedAt,
    duration: Number.isFinite(durationMs) ? formatDuration(durationMs) : null,
    by: 'claude-failover reap-delegated',
  };
}
