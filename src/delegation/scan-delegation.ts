import { markerPath, readIntent, readLocalFallback, removeMarker } from './marker-files.js';
import type { InboxTask } from '../queue/files.js';
import { localRoute } from './core/markers.js';
import { errorMessage } from '../base/core/errors.js';
import type { RouteDecision } from '../queue/core/routing.js';
import type { Counters } from '../base/core/state.js';
import type { ParsedTask } from '../queue/core/task.js';
import type { Context } from '../context.js';
import { submitDelegated, type FellBackTask, type SubmissionCandidate, type SubmittedTask } from './submission.js';
import type { InFlightTask, PendingTask } from '../queue/scan-report.js';

/**
 * The delegated half of scan-inbox: tidies markers a killed run left, decides for each delegated route whether it
 * is submitted, resumed or runs locally, and submits (delegation-submission.ts). Runs under scan-inbox's lock.
 */

export interface DelegatedRouteItem {
  entry: InboxTask;
  task: PendingTask;
  /** The parsed task, kept by scan-inbox only when this run may submit it (see examine there). */
  parsed: ParsedTask | null;
}

export interface DelegationOutcome {
  /** Tasks that stay pending (with a local route when they fell back or delegation is off). */
  pending: PendingTask[];
  inFlight: InFlightTask[];
  submitted: SubmittedTask[];
  fellBack: FellBackTask[];
  errors: Array<{ project: string; task: string; message: string }>;
}

/**
 * Finishes what a killed run left half-done, before anything is classified (skipped in a dry run):
 * a marker beside an intent means the POST's outcome was recorded, so the intent is spent; an intent whose task
 * vanished is void; a `.local` marker whose task left the queue would wrongly pin a future task of the same name.
 * Updates the entry's flags to what is on disk afterwards.
 */
export async function tidyMarkers(entries: InboxTask[], ctx: Context): Promise<Array<{ project: string; task: string; message: string }>> {
  const errors: Array<{ project: string; task: string; message: string }> = [];
  for (const entry of entries) {
    try {
      if (entry.delegating && (entry.delegated || entry.local)) {
        await removeMarker(markerPath.intent(entry.path));
        entry.delegating = false;
      } else if (entry.delegating && !entry.hasFile && !entry.dispatched) {
        await removeMarker(markerPath.intent(entry.path));
        entry.delegating = false;
        ctx.log.warn(`${entry.project}: ${entry.name} disappeared while its submission was pending; its intent was removed`);
      }
      if (entry.local && !entry.hasFile && !entry.dispatched && !entry.delegating && !entry.delegated) {
        await removeMarker(markerPath.local(entry.path));
        entry.local = false;
      }
    } catch (error) {
      errors.push({ project: entry.project, task: entry.name, message: `cannot tidy delegation markers: ${errorMessage(error)}` });
    }
  }
  return errors;
}

export async function routeDelegated(items: DelegatedRouteItem[], dryRun: boolean, ctx: Context, counters: Counters): Promise<DelegationOutcome> {
  const outcome: DelegationOutcome = { pending: [], inFlight: [], submitted: [], fellBack: [], errors: [] };
  if (items.length === 0) return outcome;
  const status = ctx.delegation();
  const candidates: SubmissionCandidate[] = [];
  let inactive = 0;
  /** The pending report of each candidate, by `project \0 task`, to report fall-backs with their route. */
  const pendingOf = new Map<string, PendingTask>();
  const keyOf = (project: string, task: string) => `${project}\0${task}`;

  for (const { entry, task, parsed } of items) {
    const route: RouteDecision = { provider: task.provider, reason: task.reason, delegated: task.delegated };
    const base = () => {
      if (parsed === null) throw new Error(`internal: ${entry.name} was not kept for submission`);
      return { project: entry.project, task: entry.name, path: entry.path, fields: parsed.fields, body: parsed.body };
    };
    if (entry.delegating) {
      // A killed run's submission: re-send with the same key (or, if delegation was turned off since, fall back).
      const intent = await readIntent(entry.path).catch((error: unknown) => ({ ok: false as const, reason: errorMessage(error) }));
      if (!intent?.ok) {
        outcome.errors.push({ project: entry.project, task: entry.name, message: `cannot resume its submission: ${entry.name}.delegating is unreadable (${intent?.reason ?? 'gone'}); left for an operator` });
        outcome.inFlight.push({ project: entry.project, task: entry.name, state: 'delegating' });
        continue;
      }
      pendingOf.set(keyOf(entry.project, entry.name), task);
      candidates.push({
        ...base(),
        provider: intent.value.provider,
        intent: intent.value,
        ...(status.active ? {} : { fallBackBecause: `delegation not active: ${status.reason}` }),
      });
      continue;
    }
    if (entry.local) {
      const marker = await readLocalFallback(entry.path).catch(() => null);
      const why = marker?.ok ? marker.value.reason : `see ${entry.name}.local`;
      outcome.pending.push({ ...task, ...localRoute(route, `fell back earlier (${why})`) });
      continue;
    }
    if (!status.active) {
      inactive++;
      ctx.log.debug(`${entry.project}: ${entry.name} routes to ${route.provider} but delegation is not active (${status.reason}); it runs locally`);
      outcome.pending.push({ ...task, ...localRoute(route, `delegation not active: ${status.reason}`) });
      continue;
    }
    if (dryRun) {
      outcome.pending.push({ ...task, reason: `${task.reason} (would be submitted to secutools)` });
      continue;
    }
    pendingOf.set(keyOf(entry.project, entry.name), task);
    candidates.push({ ...base(), provider: route.provider as SubmissionCandidate['provider'], intent: null });
  }

  // One line for the lot: an inbox of thousands of opted-in tasks must not flood the journal while delegation is off.
  if (inactive > 0) ctx.log.info(`${inactive} task(s) route to secutools but delegation is not active (${status.active ? '' : status.reason}); they run locally`);
  const report = await submitDelegated(candidates, ctx, counters);
  outcome.submitted = report.submitted;
  outcome.fellBack = report.fellBack;
  outcome.errors.push(...report.errors);
  for (const submitted of report.submitted) {
    outcome.inFlight.push({ project: submitted.project, task: submitted.task, state: 'delegated_to_secutools' });
  }
  for (const fell of report.fellBack) {
    const pending = pendingOf.get(keyOf(fell.project, fell.task));
    if (pending) {
      outcome.pending.push({ ...pending, ...localRoute({ provider: fell.provider, reason: pending.reason, delegated: true }, `fell back: ${fell.reason}`) });
    }
  }
  // A submission that hit a file error keeps whatever intent it has; the next run resumes it.
  for (const failed of report.errors) outcome.inFlight.push({ project: failed.project, task: failed.task, state: 'delegating' });
  return outcome;
}
