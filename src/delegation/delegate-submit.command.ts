import { isOneOf } from '../base/core/json.js';
import { randomUUID } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { readTaskFile } from '../queue/files.js';
import { PRIORITIES, type Priority } from '../base/core/config.js';
import { ExitCode, FailoverError, usageError } from '../base/core/errors.js';
import { DELEGATED_PROVIDERS, decide, normalizePreferredAi, type DelegatedProvider } from '../queue/core/routing.js';
import { taskSubmitRequest, type SubmitRequest } from './core/contract.js';
import { parseTask } from '../queue/core/task.js';
import type { Context } from '../context.js';

export interface DelegateSubmitOptions {
  file?: string | undefined;
  prompt?: string | undefined;
  provider?: string | undefined;
  priority?: string | undefined;
  idempotencyKey?: string | undefined;
}

export interface DelegateSubmitResult {
  jobId: string;
  status: string;
  provider: DelegatedProvider;
  priority: Priority;
  /** Pass it back with --idempotency-key to make a re-run of the same submission return the same job. */
  idempotencyKey: string;
}

const KEY = /^[A-Za-z0-9._:-]{8,200}$/;

/**
 * `ccl-delegate submit <task.md | --prompt TEXT> [--provider P] [--priority P]`: one job on secutools, its id on
 * stdout. A task file gives the provider and priority from its frontmatter (routing); a task that
 * routes to claude-code is refused unless --provider says otherwise.
 */
export async function run(options: DelegateSubmitOptions, ctx: Context): Promise<DelegateSubmitResult> {
  if ((options.file === undefined) === (options.prompt === undefined)) throw usageError('give either a task file or --prompt TEXT (exactly one)');
  const provider = options.provider === undefined ? undefined : parseProvider(options.provider);
  const priority = options.priority === undefined ? undefined : parsePriority(options.priority);
  if (options.idempotencyKey !== undefined && !KEY.test(options.idempotencyKey)) {
    throw usageError('--idempotency-key: expected 8 to 200 letters, digits, ".", "_", ":" or "-"');
  }
  const request = options.file !== undefined ? await fromTaskFile(options.file, provider, priority) : fromPrompt(options.prompt as string, provider, priority);
  if (request.prompt === '') throw usageError('the prompt is empty: nothing to submit');
  const client = await ctx.secutools();
  const idempotencyKey = options.idempotencyKey ?? randomUUID();
  const job = await client.submit(request, idempotencyKey);
  ctx.log.debug(`submitted to secutools (${request.provider}, ${request.priority}): job ${job.jobId}`);
  return { jobId: job.jobId, status: job.status, provider: request.provider, priority: request.priority, idempotencyKey };
}

function parseProvider(value: string): DelegatedProvider {
  const normalized = normalizePreferredAi(value);
  if (normalized === 'claude-code') throw usageError('--provider claude-code runs locally: there is nothing to submit to secutools');
  if (!(DELEGATED_PROVIDERS as readonly (string | null)[]).includes(normalized)) {
    throw usageError(`--provider: expected one of ${DELEGATED_PROVIDERS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return normalized as DelegatedProvider;
}

function parsePriority(value: string): Priority {
  const normalized = value.trim().toLowerCase();
  if (!isOneOf(PRIORITIES, normalized)) throw usageError(`--priority: expected one of ${PRIORITIES.join(', ')}, got ${JSON.stringify(value)}`);
  return normalized;
}

async function fromTaskFile(file: string, provider: DelegatedProvider | undefined, priority: Priority | undefined): Promise<SubmitRequest> {
  const read = await readTaskFile(file);
  if (!read.ok) throw new FailoverError(ExitCode.failed, 'invalid-task', `${file}: ${read.reason}`);
  const parsed = parseTask(read.text);
  if (!parsed.ok) throw new FailoverError(ExitCode.failed, 'invalid-task', `${file}: ${parsed.reason}`);
  const { fields, body } = parsed.task;
  const route = decide(fields);
  if (provider === undefined && !route.delegated) {
    throw new FailoverError(ExitCode.failed, 'not-delegated', `${file} routes to claude-code (${route.reason}); not submitted`, {
      hint: 'set allow_delegation: true (and preferred_ai) in its frontmatter, or pass --provider to send it anyway',
    });
  }
  // A task inside `<project>/.agent-queue/inbox/` names its project; elsewhere, the folder it sits in.
  const absolute = resolve(file);
  const folder = dirname(absolute);
  const inQueue = basename(folder) === 'inbox' && basename(dirname(folder)) === '.agent-queue';
  return taskSubmitRequest({
    fields,
    body,
    provider: provider ?? (route.provider as DelegatedProvider),
    priority: priority ?? fields.priority,
    project: inQueue ? dirname(dirname(folder)) : folder,
    task: basename(absolute),
  });
}

function fromPrompt(prompt: string, provider: DelegatedProvider | undefined, priority: Priority | undefined): SubmitRequest {
  return {
    prompt: prompt.trim(),
    provider: provider ?? 'auto',
    priority: priority ?? 'default',
    metadata: { project: null, task: null, title: null, complexity_hint: null, tags: [] },
  };
}

/** Bare value for bash: the job id. */
export function render(result: DelegateSubmitResult): string {
  return result.jobId;
}
