import { readDelegated } from '../delegation/marker-files.js';
import { readFolder } from '../base/folders.js';
import { listInbox, queuePaths } from '../queue/files.js';
import { isFinishedTaskName, queueStateOf, type QueueState } from '../queue/core/task-state.js';
import { projectDirs } from '../base/core/config.js';
import { errorMessage } from '../base/core/errors.js';
import type { DelegatedJobStatus, QueueStatus } from './core/status.js';
import type { Context } from '../context.js';

async function countFinished(dir: string): Promise<number> {
  return (await readFolder(dir)).filter(isFinishedTaskName).length;
}

/**
 * Every project's queue counts, read from the files alone (`status` and `metrics`): the inbox decoded by the one
 * queue-state reading, `done/` and `failed/` counted. With `jobs`, the delegated jobs' markers are read too. A project
 * that cannot be read is a warning, and the others are still counted.
 */
export async function gatherQueues(ctx: Pick<Context, 'config'>, warnings: string[], options: { jobs: boolean }) {
  const queues: QueueStatus[] = [];
  const jobs: Array<Omit<DelegatedJobStatus, 'ageMs'>> = [];
  for (const project of projectDirs(ctx.config)) {
    try {
      const listing = await listInbox(project);
      const paths = queuePaths(project);
      const [done, failed] = await Promise.all([countFinished(paths.done), countFinished(paths.failed)]);
      const counts: Record<QueueState, number> = { pending: 0, delegating: 0, delegated: 0, dispatched: 0 };
      for (const task of listing.tasks) {
        const state = queueStateOf(task);
        if (state !== null) counts[state] += 1;
      }
      queues.push({ project, inboxExists: listing.exists, pending: counts.pending, dispatched: counts.dispatched, delegating: counts.delegating, delegated: counts.delegated, done, failed });
      if (!options.jobs) continue;
      for (const task of listing.tasks.filter((t) => queueStateOf(t) === 'delegated')) {
        const marker = await readDelegated(task.path);
        if (marker?.ok) {
          jobs.push({ project, task: task.name, jobId: marker.value.jobId, provider: marker.value.provider, submittedAt: marker.value.submittedAt });
        } else if (marker) warnings.push(`${task.path}.delegated: ${marker.reason}`);
      }
    } catch (error) {
      warnings.push(`${project}: ${errorMessage(error)}`);
    }
  }
  return { queues, jobs };
}
