import { failpoint } from '../adapters/failpoint.js';
import { listInbox, moveWithFooter, readTaskFile, type InboxListing, type InboxTask } from '../adapters/queue.js';
import { projectDirs, type Priority } from '../core/config.js';
import { mapLimit } from '../core/concurrency.js';
import { errorMessage } from '../core/errors.js';
import { plural, table, type Style } from '../core/format.js';
import { decide, type Provider } from '../core/routing.js';
import { parseTask } from '../core/task.js';
import type { Context } from '../context.js';

export interface ScanOptions {
  dryRun: boolean;
}

export interface PendingTask {
  project: string;
  task: string;
  path: string;
  title: string | null;
  priority: Priority;
  provider: Provider;
  reason: string;
  delegated: boolean;
}

export interface QuarantinedTask {
  project: string;
  task: string;
  reason: string;
  /** Where it went; null in a dry run. */
  movedTo: string | null;
}

export interface InFlightTask {
  project: string;
  task: string;
  state: 'delegating' | 'delegated_to_secutools' | 'dispatched';
}

export interface ScanResult {
  dryRun: boolean;
  projects: Array<{ project: string; inbox: string; exists: boolean }>;
  pending: PendingTask[];
  quarantined: QuarantinedTask[];
  inFlight: InFlightTask[];
  /** `.md.dispatched` files the state does not know (left by older tooling): reported, never touched. */
  unknownDispatched: Array<{ project: string; task: string }>;
  errors: Array<{ project: string; task?: string; message: string }>;
}

/** Files read at once: enough to hide disk latency, few enough to stay far below the fd limit. */
const READ_CONCURRENCY = 64;

type Examined = { kind: 'pending'; task: PendingTask } | { kind: 'invalid'; reason: string } | { kind: 'gone' };

async function examine(entry: InboxTask): Promise<Examined> {
  const read = await readTaskFile(entry.path);
  if (!read.ok) return read.gone ? { kind: 'gone' } : { kind: 'invalid', reason: read.reason };
  const parsed = parseTask(read.text);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  const { fields } = parsed.task;
  const route = decide(fields);
  return {
    kind: 'pending',
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
  if (options.dryRun) return scan(options, ctx, new Set());
  return ctx.withLock('scan-inbox', async () => {
    const state = await ctx.state.load();
    const known = new Set(Object.values(state.sessions).map((s) => s.task).filter((t): t is string => t !== null));
    return scan(options, ctx, known);
  });
}

async function scan(options: ScanOptions, ctx: Context, knownDispatched: Set<string>): Promise<ScanResult> {
  const result: ScanResult = { dryRun: options.dryRun, projects: [], pending: [], quarantined: [], inFlight: [], unknownDispatched: [], errors: [] };
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

  const fresh: InboxTask[] = [];
  for (const entry of listings.flatMap((l) => l.tasks)) {
    if (entry.dispatched && !knownDispatched.has(`${entry.path}.dispatched`) && !options.dryRun) {
      result.unknownDispatched.push({ project: entry.project, task: entry.name });
    }
    if (entry.delegated) result.inFlight.push({ project: entry.project, task: entry.name, state: 'delegated_to_secutools' });
    else if (entry.delegating) result.inFlight.push({ project: entry.project, task: entry.name, state: 'delegating' });
    else if (entry.hasFile) fresh.push(entry);
    if (entry.dispatched) result.inFlight.push({ project: entry.project, task: entry.name, state: 'dispatched' });
  }

  const examined = await mapLimit(fresh, READ_CONCURRENCY, examine);
  failpoint('scan-inbox:after-read');

  for (const [index, outcome] of examined.entries()) {
    const entry = fresh[index] as InboxTask;
    if (outcome.kind === 'pending') result.pending.push(outcome.task);
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
    result.quarantined.push(quarantined);
  }
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
  for (const q of result.quarantined) {
    parts.push(style.red(`invalid: ${q.project}/${q.task}: ${q.reason}${q.movedTo ? ` → ${q.movedTo}` : ''}`));
  }
  for (const u of result.unknownDispatched) parts.push(style.yellow(`unknown claim left alone: ${u.project}/${u.task}.dispatched`));
  for (const e of result.errors) parts.push(style.red(`error: ${e.project}${e.task ? `/${e.task}` : ''}: ${e.message}`));
  return parts.join('\n\n');
}

export const exitCode = (result: ScanResult) => (result.errors.length > 0 ? 1 : 0);
