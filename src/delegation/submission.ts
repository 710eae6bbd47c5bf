import { randomUUID } from 'node:crypto';
import { failpoint } from '../base/failpoint.js';
import { markerPath, removeMarker, writeMarker } from './marker-files.js';
import type { Priority } from '../base/core/config.js';
import { mapLimit } from '../base/core/concurrency.js';
import { MARKER_VERSION, byTask, type DelegatingIntent } from './core/markers.js';
import { FailoverError, errorMessage } from '../base/core/errors.js';
import type { DelegatedProvider } from '../queue/core/routing.js';
import { taskSubmitRequest, type SubmitRequest } from './core/contract.js';
import { platformGuard } from './core/platform-guard.js';
import type { Counters } from '../base/core/state.js';
import type { TaskFields } from '../queue/core/task.js';
import type { Context } from '../context.js';

/**
 * Submission of delegated tasks, run by scan-inbox under the lock. Per task:
 *   intent `T.md.delegating` (fresh idempotency key) durable → POST → marker `T.md.delegated` durable → intent removed.
 * A kill anywhere leaves an intent that the next run re-sends with the *same* key (the platform answers with the
 * same job) or a marker that wins over a leftover intent. A submit that fails for good leaves `T.md.local`, which
 * tells dispatch to run the task locally (core/markers.ts runsLocally).
 */

export interface SubmissionCandidate {
  project: string;
  task: string;
  path: string;
  fields: TaskFields;
  body: string;
  provider: DelegatedProvider;
  /** A leftover intent of a killed run: re-sent with its key, provider and priority. */
  intent: DelegatingIntent | null;
  /** Set when the task must not be sent at all (e.g. delegation was turned off since its intent was written). */
  fallBackBecause?: string;
}

export interface SubmittedTask {
  project: string;
  task: string;
  provider: DelegatedProvider;
  priority: Priority;
  jobId: string;
  status: string;
  /** True when this finished the submission of a run that was killed. */
  resumed: boolean;
}

export interface FellBackTask {
  project: string;
  task: string;
  provider: DelegatedProvider;
  reason: string;
}

export interface SubmissionReport {
  submitted: SubmittedTask[];
  fellBack: FellBackTask[];
  errors: Array<{ project: string; task: string; message: string }>;
}

function submitRequest(candidate: SubmissionCandidate, intent: DelegatingIntent): SubmitRequest {
  return taskSubmitRequest({ ...candidate, provider: intent.provider, priority: intent.priority });
}

export async function submitDelegated(candidates: SubmissionCandidate[], ctx: Context, counters: Counters): Promise<SubmissionReport> {
  const report: SubmissionReport = { submitted: [], fellBack: [], errors: [] };
  if (candidates.length === 0) return report;
  const platform = platformGuard();

  const submitOne = async (candidate: SubmissionCandidate): Promise<void> => {
    const where = `${candidate.project}: ${candidate.task}`;
    let intent = candidate.intent;
    try {
      if (candidate.fallBackBecause !== undefined) return await fallBack(candidate, intent, candidate.fallBackBecause);
      if (candidate.body.trim() === '') return await fallBack(candidate, intent, 'the task has no body to send as the prompt');
      if (platform.down !== null) return await fallBack(candidate, intent, platform.skipped());
      if (!intent) {
        intent = {
          version: MARKER_VERSION,
          idempotencyKey: randomUUID(),
          provider: candidate.provider,
          priority: candidate.fields.priority,
          createdAt: ctx.clock.now().toISOString(),
        };
        await writeMarker(markerPath.intent(candidate.path), intent);
        failpoint('scan-inbox:after-intent');
      }
      const job = await postOrFallBack(candidate, intent);
      if (job === null) return;
      failpoint('scan-inbox:after-post');
      await writeMarker(markerPath.delegated(candidate.path), {
        version: MARKER_VERSION,
        jobId: job.jobId,
        provider: intent.provider,
        priority: intent.priority,
        title: candidate.fields.title,
        submittedAt: ctx.clock.now().toISOString(),
        idempotencyKey: intent.idempotencyKey,
      });
      failpoint('scan-inbox:after-marker');
      await removeMarker(markerPath.intent(candidate.path));
      counters.delegated++;
      const resumed = candidate.intent !== null;
      report.submitted.push({ project: candidate.project, task: candidate.task, provider: intent.provider, priority: intent.priority, jobId: job.jobId, status: job.status, resumed });
      ctx.log.info(`${where} → secutools (${intent.provider}, ${intent.priority}): job ${job.jobId}${resumed ? ' (resumed a killed submission with its key)' : ''}`);
    } catch (error) {
      // A file we could not write: leave everything as it is; the intent (if written) makes the next run resume.
      report.errors.push({ project: candidate.project, task: candidate.task, message: `delegation: ${errorMessage(error)}` });
    }
  };

  const postOrFallBack = async (candidate: SubmissionCandidate, intent: DelegatingIntent) => {
    // Asked for here, where a POST is made, not up front: a run that only falls back leftover intents because
    // delegation was turned off has no client to get (ctx.secutools() refuses when delegation is not active).
    const secutools = await ctx.secutools();
    try {
      return await secutools.submit(submitRequest(candidate, intent), intent.idempotencyKey);
    } catch (error) {
      if (!(error instanceof FailoverError) || !error.code.startsWith('secutools-')) throw error;
      platform.note(error.code);
      await fallBack(candidate, intent, `submission to secutools failed: ${error.message}`);
      return null;
    }
  };

  const fallBack = async (candidate: SubmissionCandidate, intent: DelegatingIntent | null, reason: string): Promise<void> => {
    await writeMarker(markerPath.local(candidate.path), {
      version: MARKER_VERSION,
      reason,
      at: ctx.clock.now().toISOString(),
      provider: intent?.provider ?? candidate.provider,
      idempotencyKey: intent?.idempotencyKey ?? null,
    });
    failpoint('scan-inbox:after-fallback-marker');
    if (intent) await removeMarker(markerPath.intent(candidate.path));
    counters.delegationFellBack++;
    report.fellBack.push({ project: candidate.project, task: candidate.task, provider: intent?.provider ?? candidate.provider, reason });
    ctx.log.warn(`${candidate.project}: ${candidate.task} falls back to local Claude Code: ${reason}`);
  };

  await mapLimit(candidates, ctx.config.delegation.pollConcurrency, submitOne);
  // Concurrent submissions finish in any order; reports read better (and compare in tests) in a stable one.
  report.submitted.sort(byTask);
  report.fellBack.sort(byTask);
  report.errors.sort(byTask);
  return report;
}
