import type { Priority } from '../../base/core/config.js';
import { isOneOf, isRecord, type Check } from '../../base/core/json.js';
import type { DelegatedProvider } from '../../queue/core/routing.js';
import type { TaskFields } from '../../queue/core/task.js';

/**
 * The secutools job API as this tool speaks it, and the checks every answer passes before anything
 * trusts it. Pure: a response that is not the documented JSON becomes a reason string, never a crash or a
 * silently wrong job id.
 */

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface SubmitRequest {
  prompt: string;
  provider: DelegatedProvider;
  priority: Priority;
  metadata: {
    project: string | null;
    task: string | null;
    title: string | null;
    complexity_hint: string | null;
    tags: string[];
  };
}

/** The request for one task: its body as the prompt, its routing fields as metadata (scan-inbox and ccl-delegate). */
export function taskSubmitRequest(task: {
  fields: Pick<TaskFields, 'title' | 'complexityHint' | 'tags'>;
  body: string;
  provider: DelegatedProvider;
  priority: Priority;
  project: string | null;
  task: string;
}): SubmitRequest {
  const { fields } = task;
  return {
    prompt: task.body.trim(),
    provider: task.provider,
    priority: task.priority,
    metadata: { project: task.project, task: task.task, title: fields.title, complexity_hint: fields.complexityHint, tags: fields.tags },
  };
}

export interface SubmittedJob {
  jobId: string;
  status: JobStatus;
}

export interface Job {
  jobId: string;
  status: JobStatus;
  /** The backend that ran it (may be null while queued). */
  provider: string | null;
  result: string | null;
  error: string | null;
  costUsd: number | null;
}

/**
 * A job id goes into a URL path and into marker files: only plain identifiers are accepted, so a hostile answer
 * cannot smuggle `../../` or a query string into the next request.
 */
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isValidJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID.test(value);
}

function checkStatus(value: unknown): Check<JobStatus> {
  if (typeof value !== 'string') return { ok: false, reason: `"status" is ${describe(value)}, expected one of ${JOB_STATUSES.join(', ')}` };
  if (!isOneOf(JOB_STATUSES, value)) {
    return { ok: false, reason: `unknown status ${JSON.stringify(value.slice(0, 40))} (expected one of ${JOB_STATUSES.join(', ')})` };
  }
  return { ok: true, value };
}

function checkJobId(value: unknown): Check<string> {
  if (value === undefined || value === null) return { ok: false, reason: '"job_id" is missing' };
  if (!isValidJobId(value)) return { ok: false, reason: `"job_id" is ${describe(value)}, expected a plain identifier` };
  return { ok: true, value };
}

/** The answer to POST /api/v1/jobs: `{"job_id", "status"}`. */
export function parseSubmitAnswer(body: unknown): Check<SubmittedJob> {
  if (!isRecord(body)) return { ok: false, reason: `expected a JSON object, got ${describe(body)}` };
  const jobId = checkJobId(body.job_id);
  if (!jobId.ok) return jobId;
  const status = checkStatus(body.status);
  if (!status.ok) return status;
  return { ok: true, value: { jobId: jobId.value, status: status.value } };
}

/** The answer to GET /api/v1/jobs/{id}; the id must be the one asked for (a server that mixes jobs up is lying). */
export function parseJobAnswer(body: unknown, askedFor: string): Check<Job> {
  if (!isRecord(body)) return { ok: false, reason: `expected a JSON object, got ${describe(body)}` };
  const jobId = checkJobId(body.job_id);
  if (!jobId.ok) return jobId;
  if (jobId.value !== askedFor) return { ok: false, reason: `asked for job ${askedFor} but the answer is about job ${jobId.value}` };
  const status = checkStatus(body.status);
  if (!status.ok) return status;
  const problems: string[] = [];
  const optionalText = (key: string): string | null => {
    const value = body[key];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string') return value;
    problems.push(`"${key}" is ${describe(value)}, expected text or null`);
    return null;
  };
  const provider = optionalText('provider');
  const result = optionalText('result');
  const error = optionalText('error');
  let costUsd: number | null = null;
  if (body.cost_usd !== undefined && body.cost_usd !== null) {
    if (typeof body.cost_usd === 'number' && Number.isFinite(body.cost_usd) && body.cost_usd >= 0) costUsd = body.cost_usd;
    else problems.push(`"cost_usd" is ${describe(body.cost_usd)}, expected a non-negative number or null`);
  }
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, value: { jobId: jobId.value, status: status.value, provider, result, error, costUsd } };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? value.slice(0, 37) + '...' : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Text from the server that ends up in our files and output (error messages, results): the key is scrubbed even
 * if a broken or hostile server echoes it back, and messages meant for one line are kept to one short line.
 */
export function scrubSecret(text: string, secret: string): string {
  return secret.length > 0 && text.includes(secret) ? text.split(secret).join('[redacted]') : text;
}

export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 3) + '...' : flat;
}
