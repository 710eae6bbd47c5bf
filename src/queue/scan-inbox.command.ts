import { failpoint } from '../base/failpoint.js';
import { listInbox, moveWithFooter, readTaskFile, type InboxListing, type InboxTask } from './files.js';
import { queueStateOf } from './core/task-state.js';
import { projectDirs } from '../base/core/config.js';
import { errorMessage, unreachable } from '../base/core/errors.js';
import { plural, table, type Style } from '../base/core/format.js';
import { decide } from './core/routing.js';
import { emptyState, type Counters } from '../base/core/state.js';
import { parseTask, type ParsedTask } from './core/task.js';
import { routeDelegated, tidyMarkers, type DelegatedRouteItem } from '../delegation/scan-delegation.js';
import { quarantineUnsafeNames } from './unsafe-names.js';
import type { Context } from '../context.js';
import type { PendingTask, QuarantinedTask, ScanResult } from './scan-report.js';

export interface ScanOptions {
  dryRun: boolean;
}

type Examined = { kind: 'pending'; task: PendingTask; parsed: ParsedTask | null } | { kind: 'invalid'; reason: string } | { kind: 'gone' };

/**
 * `mayDelegate`: this run can submit to secutools. Only then (or for a leftover intent) is the parsed body kept for
 * submission: holding all 10,000 bodies of a big inbox until the end would add a fifth to the scan's memory.
 */
function examine(entry: InboxTask, mayDelegate: boolean): Examined {
  const read = readTaskFile(entry.path);
  if (!read.ok) return read.gone ? { kind: 'gone' } : { kind: 'invalid', reason: read.reason };
  const parsed = parseTask(read.text);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const { fields } = parsed.task;
  const route = decide(fields);
  return {
    kind: 'pending',
    parsed: (route.delegated && mayDelegate && !entry.local) || entry.delegating ? parsed.task : null,
    task: {
      project: entry.project,
      task: entry.name,
      path: entry.path,
      title: fields.title,
      priority: fields.priority,
      provider: route.provider,
      reason: route.reason,
      delegated: route.delegated,
    },
  };
}

/**
 * `scan-inbox`: walks every project inbox, parses and routes each new task, quarantines invalid ones to `failed/`
 * with the reason in the footer (other tasks unaffected), and reports every pending task with its route.
 */
export async function run(options: ScanOptions, ctx: Context): Promise<ScanResult> {
  if (options.dryRun) return scan(options, ctx, new Set(), emptyState().counters);
  return ctx.withLock('scan-inbox', async (lock) => {
    const state = await ctx.state.load(lock);
    const known = new Set(Object.values(state.sessions).map((s) => s.task).filter((t): t is string => t !== null));
    const countersBefore = JSON.stringify(state.counters);
    const result = await scan(options, ctx, known, state.counters);
    // Submissions and fall-backs are counted in the state; a scan that changed nothing writes nothing.
    if (JSON.stringify(state.counters) !== countersBefore) await ctx.state.save(state, lock);
    return result;
  });
}

async function scan(options: ScanOptions, ctx: Context, knownDispatched: Set<string>, counters: Counters): Promise<ScanResult> {
  const result: ScanResult = {
    dryRun: options.dryRun, projects: [], pending: [], quarantined: [], inFlight: [], unknownDispatched: [], errors: [], submitted: [], fellBack: [],
  };
  const listings: InboxListing[] = [];
  for (const project of projectDirs(ctx.config)) {
    try {
      const listing = await listInbox(project);
      listings.push(listing);
      result.projects.push({ project, inbox: listing.inbox, exists: listing.exists });
    } catch (error) {
      result.errors.push({ project, message: `cannot list the inbox: ${errorMessage(error)}` });
    }
  }
  // Names that are not printable text never become tasks (core/task-name.ts): straight to failed/.
  for (const listing of listings) if (listing.unsafeNames.length > 0) await quarantineUnsafeNames(listing, options.dryRun, ctx, result);

  const entries = listings.flatMap((l) => l.tasks);
  if (!options.dryRun) result.errors.push(...(await tidyMarkers(entries, ctx)));
  const fresh: InboxTask[] = [];
  for (const entry of entries) {
    if (entry.dispatched && !knownDispatched.has(`${entry.path}.dispatched`) && !options.dryRun) {
      result.unknownDispatched.push({ project: entry.project, task: entry.name });
    }
    const state = queueStateOf(entry);
    switch (state) {
      case 'pending':
        fresh.push(entry);
        break;
      case 'delegating':
        // A leftover intent (killed run) is re-read and re-submitted with its key below; a dry run only reports it.
        if (options.dryRun) result.inFlight.push({ project: entry.project, task: entry.name, state: 'delegating' });
        else fresh.push(entry);
        break;
      case 'delegated':
        result.inFlight.push({ project: entry.project, task: entry.name, state: 'delegated_to_secutools' });
        break;
      case 'dispatched':
        result.inFlight.push({ project: entry.project, task: entry.name, state: 'dispatched' });
        break;
      case null:
        break; // markers without their task: tidied above, or left for an operator with a reason
      default:
        unreachable(state, 'queue state');
    }
  }

  const mayDelegate = !options.dryRun && ctx.delegation().active;
  const examined = fresh.map((entry) => examine(entry, mayDelegate));
  failpoint('scan-inbox:after-read');

  const delegatedRoutes: DelegatedRouteItem[] = [];
  for (const [index, outcome] of examined.entries()) {
    const entry = fresh[index] as InboxTask;
    if (outcome.kind === 'pending') {
      if (outcome.task.delegated || entry.delegating) delegatedRoutes.push({ entry, task: outcome.task, parsed: outcome.parsed });
      else result.pending.push(outcome.task);
    }
    if (outcome.kind !== 'invalid') continue;
    const quarantined: QuarantinedTask = { project: entry.project, task: entry.name, reason: outcome.reason, movedTo: null };
    if (!options.dryRun) {
      try {
        quarantined.movedTo = await moveWithFooter(entry.path, entry.project, 'failed', {
          reason: `invalid task: ${outcome.reason}`,
          at: ctx.clock.now().toISOString(),
          by: 'claude-failover scan-inbox',
        });
        failpoint('scan-inbox:after-quarantine');
      } catch (error) {
        result.errors.push({ project: entry.project, task: entry.name, message: `could not quarantine: ${errorMessage(error)}` });
        continue;
      }
    }
    ctx.log.warn(`${entry.project}: ${entry.name} is invalid (${outcome.reason})${options.dryRun ? '' : ' → failed/'}`);
    if (quarantined.movedTo) {
      await ctx.notify({ event: 'task-failed', at: ctx.clock.now().toISOString(), message: `${entry.name} is invalid: ${outcome.reason}`, project: entry.project, task: entry.name, movedTo: quarantined.movedTo });
    }
    result.quarantined.push(quarantined);
  }
  const delegation = await routeDelegated(delegatedRoutes, options.dryRun, ctx, counters);
  result.pending.push(...delegation.pending);
  result.inFlight.push(...delegation.inFlight);
  result.submitted = delegation.submitted;
  result.fellBack = delegation.fellBack;
  result.errors.push(...delegation.errors);

  for (const item of result.unknownDispatched) {
    ctx.log.warn(`${item.project}: ${item.task}.dispatched is not known to the state (older tooling?); left untouched`);
  }
  return result;
}

export function render(result: ScanResult, style: Style): string {
  const parts: string[] = [];
  const missing = result.projects.filter((p) => !p.exists).length;
  parts.push(
    `${plural(result.projects.length, 'project')} scanned${missing ? ` (${missing} without an inbox)` : ''}: ` +
      `${plural(result.pending.length, 'pending task')}, ${result.quarantined.length} quarantined, ${result.inFlight.length} in flight` +
      (result.dryRun ? style.yellow(' (dry run: nothing moved)') : ''),
  );
  if (result.pending.length > 0) {
    parts.push(
      table(
        ['PROJECT', 'TASK', 'PRIORITY', 'ROUTE', 'REASON'],
        result.pending.map((t) => [t.project, t.task, t.priority, t.delegated ? style.cyan(t.provider) : t.provider, t.reason]),
      ),
    );
  }
  for (const s of result.submitted) {
    parts.push(style.cyan(`submitted: ${s.project}/${s.task} → secutools ${s.provider} (${s.priority}), job ${s.jobId}${s.resumed ? ' (resumed)' : ''}`));
  }
  for (const f of result.fellBack) parts.push(style.yellow(`fell back to local: ${f.project}/${f.task}: ${f.reason}`));
  for (const q of result.quarantined) {
    parts.push(style.red(`invalid: ${q.project}/${q.task}: ${q.reason}${q.movedTo ? ` → ${q.movedTo}` : ''}`));
  }
  for (const u of result.unknownDispatched) parts.push(style.yellow(`unknown claim left alone: ${u.project}/${u.task}.dispatched`));
  for (const e of result.errors) parts.push(style.red(`error: ${e.project}${e.task ? `/${e.task}` : ''}: ${e.message}`));
  return parts.join('\n\n');
}

export const exitCode = (result: ScanResult) => (result.errors.length > 0 ? 1 : 0);
