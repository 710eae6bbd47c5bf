import { isOneOf } from '../base/core/json.js';
import { readTaskFile } from '../queue/files.js';
import { COMPLEXITY_HINTS } from '../queue/core/task.js';
import { ExitCode, FailoverError, usageError } from '../base/core/errors.js';
import { decide, normalizePreferredAi, type RouteDecision } from '../queue/core/routing.js';
import { parseTask } from '../queue/core/task.js';
import type { BaseContext } from '../context.js';

export interface DecideOptions {
  file?: string | undefined;
  preferredAi?: string | undefined;
  allowDelegation?: boolean | undefined;
  needsClaudeCode?: boolean | undefined;
  complexityHint?: string | undefined;
}

/** `ccl-delegate decide`: the routing decision for a task file or for flags; no network. */
export async function run(options: DecideOptions, _ctx: BaseContext): Promise<RouteDecision> {
  const usesFlags = options.preferredAi !== undefined || options.allowDelegation || options.needsClaudeCode || options.complexityHint !== undefined;
  if (options.file !== undefined) {
    if (usesFlags) throw usageError('give either a task file or flags, not both');
    const read = await readTaskFile(options.file);
    if (!read.ok) throw new FailoverError(ExitCode.failed, 'invalid-task', `${options.file}: ${read.reason}`);
    const parsed = parseTask(read.text);
    if (!parsed.ok) throw new FailoverError(ExitCode.failed, 'invalid-task', `${options.file}: ${parsed.reason}`);
    return decide(parsed.task.fields);
  }
  if (options.complexityHint !== undefined && !isOneOf(COMPLEXITY_HINTS, options.complexityHint.trim().toLowerCase())) {
    throw usageError(`--complexity-hint: expected one of ${COMPLEXITY_HINTS.join(', ')}, got ${JSON.stringify(options.complexityHint)}`);
  }
  return decide({
    needsClaudeCode: Boolean(options.needsClaudeCode),
    allowDelegation: Boolean(options.allowDelegation),
    preferredAi: normalizePreferredAi(options.preferredAi),
  });
}

/** Bare values for bash: the provider on line 1, the reason on line 2. */
export function render(result: RouteDecision): string {
  return `${result.provider}\n${result.reason}`;
}
