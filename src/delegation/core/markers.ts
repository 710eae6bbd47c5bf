/**
 * Pure delegation decisions shared by scan-inbox (which submits) and dispatch (which runs local tasks).
 *
 * A task whose submission to secutools failed for good falls back to the local Claude Code path. That choice must
 * survive the run that made it (dispatch runs later, in another process) without touching the operator's task
 * file, so it is recorded as a marker file beside the task: `inbox/T.md.local` (JSON: reason, time). A marker
 * rather than a state entry keeps the fact next to the task it belongs to: a rename of the task by an operator,
 * or its removal, cannot leave the state lying about it.
 */

import { PRIORITIES, type Priority } from '../../base/core/config.js';
import { isOneOf, isRecord, type Check } from '../../base/core/json.js';
import { DELEGATED_PROVIDERS, type DelegatedProvider, type RouteDecision } from '../../queue/core/routing.js';
import { isValidJobId, type JobStatus } from './contract.js';

export const LOCAL_FALLBACK_MARKER = '.local';

/**
 * Whether a pending `inbox/T.md` (no `.delegating` / `.delegated` / `.dispatched` marker) is for local dispatch:
 * the route is local, or delegation is not active right now (enabled + key set), or its submission fell back.
 */
export function runsLocally(route: RouteDecision, delegation: { active: boolean }, hasFallbackMarker: boolean): boolean {
  return !route.delegated || !delegation.active || hasFallbackMarker;
}

/* The marker files of a delegated task, all JSON, written atomically. None holds the API key. */

export const MARKER_VERSION = 1;

/** `inbox/T.md.delegating`: written durably *before* the POST, so a killed run re-sends the same key. */
export interface DelegatingIntent {
  version: typeof MARKER_VERSION;
  idempotencyKey: string;
  provider: DelegatedProvider;
  priority: Priority;
  createdAt: string;
}

/** What reaping decided for a job, recorded in the marker before anything moves (so a kill can be finished). */
export interface RecordedOutcome {
  outcome: 'done' | 'failed';
  status: JobStatus | 'timed-out' | 'unknown-job';
  reason: string;
  /** The backend that ran it, as the platform reports it. */
  ranOn: string | null;
  costUsd: number | null;
  result: string | null;
  finishedAt: string;
  /** The task file's inode when the outcome was recorded: finds it in done/ or failed/ after a killed move. */
  taskInode: number | null;
}

/** `inbox/T.md.delegated`: a job exists on the platform. */
export interface DelegatedMarker {
  version: typeof MARKER_VERSION;
  jobId: string;
  provider: DelegatedProvider;
  priority: Priority;
  title: string | null;
  submittedAt: string;
  idempotencyKey: string;
  final?: RecordedOutcome;
}

/** `inbox/T.md.local`: the submission failed for good; the task runs locally. */
export interface LocalFallback {
  version: typeof MARKER_VERSION;
  reason: string;
  at: string;
  provider: DelegatedProvider;
  /** The key of the failed submission, for an operator who wants to ask the platform about it. */
  idempotencyKey: string | null;
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isTime = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

function parseJsonObject(text: string): Check<Record<string, unknown>> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!isRecord(document)) return { ok: false, reason: 'not a JSON object' };
  if (document.version !== MARKER_VERSION) return { ok: false, reason: `unsupported marker version ${JSON.stringify(document.version)}` };
  return { ok: true, value: document };
}

function commonProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (!isText(doc.idempotencyKey)) problems.push('idempotencyKey missing');
  if (!isOneOf(DELEGATED_PROVIDERS, doc.provider)) problems.push(`provider ${JSON.stringify(doc.provider)} is not a delegated provider`);
  if (!isOneOf(PRIORITIES, doc.priority)) problems.push(`priority ${JSON.stringify(doc.priority)} is not a priority`);
  return problems;
}

export function parseIntent(text: string): Check<DelegatingIntent> {
  const doc = parseJsonObject(text);
  if (!doc.ok) return doc;
  const problems = commonProblems(doc.value);
  if (!isTime(doc.value.createdAt)) problems.push('createdAt is not a time');
  return problems.length > 0 ? { ok: false, reason: problems.join('; ') } : { ok: true, value: doc.value as unknown as DelegatingIntent };
}

export function parseDelegatedMarker(text: string): Check<DelegatedMarker> {
  const doc = parseJsonObject(text);
  if (!doc.ok) return doc;
  const problems = commonProblems(doc.value);
  if (!isValidJobId(doc.value.jobId)) problems.push('jobId is not a job id');
  if (!isTime(doc.value.submittedAt)) problems.push('submittedAt is not a time');
  const final = doc.value.final;
  if (final !== undefined && !(isRecord(final) && (final.outcome === 'done' || final.outcome === 'failed') && isText(final.reason))) {
    problems.push('final outcome is malformed');
  }
  return problems.length > 0 ? { ok: false, reason: problems.join('; ') } : { ok: true, value: doc.value as unknown as DelegatedMarker };
}

export function parseLocalFallback(text: string): Check<LocalFallback> {
  const doc = parseJsonObject(text);
  if (!doc.ok) return doc;
  return isText(doc.value.reason) ? { ok: true, value: doc.value as unknown as LocalFallback } : { ok: false, reason: 'reason missing' };
}

/** The route reported for a delegated task that runs locally because delegation is off or its submission failed. */
export function localRoute(route: RouteDecision, why: string): RouteDecision {
  return { provider: 'claude-code', reason: `${route.reason}; ${why} → runs locally`, delegated: false };
}

/** Report order for lists filled by concurrent workers (which finish in any order): by project, then task. */
export function byTask(a: { project: string; task?: string }, b: { project: string; task?: string }): number {
  return a.project.localeCompare(b.project) || (a.task ?? '').localeCompare(b.task ?? '');
}
