import { command, type ProgramSpec } from './command-spec.js';
import { runTable } from './wire.js';

/** `ccl-delegate`: the delegation contract for bash scripts, as data. Bare values by default, `--json` on request. */
export const CCL_DELEGATE: ProgramSpec = {
  name: 'ccl-delegate',
  version: '0.1.0',
  description: 'Delegation for bash scripts: decide where a task runs, submit to secutools, read the job and its result.',
  commands: [
    command({
      name: 'decide',
      summary: 'Print the provider (line 1) and the reason (line 2) for a task file or for flags. No network.',
      argument: { name: '[task.md]', description: 'a task file (routing fields from its frontmatter)' },
      options: [
        { flags: '--preferred-ai <name>', description: 'auto | claude-code | gpu | gemini | claude-api (case-insensitive)' },
        { flags: '--allow-delegation', description: 'the task may leave this machine' },
        { flags: '--needs-claude-code', description: 'the task must run in a local Claude Code session' },
        { flags: '--complexity-hint <level>', description: 'low | medium | high (informational)' },
      ],
      dryRun: false,
      needs: 'none',
      examples: ['ccl-delegate decide inbox/refactor.md', 'ccl-delegate decide --allow-delegation --preferred-ai GPU --json'],
      load: () => import('../delegation/decide.command.js'),
      runOptions: ({ flags, argument }) => ({
        file: argument,
        preferredAi: flags.preferredAi as string | undefined,
        allowDelegation: flags.allowDelegation as boolean | undefined,
        needsClaudeCode: flags.needsClaudeCode as boolean | undefined,
        complexityHint: flags.complexityHint as string | undefined,
      }),
    }),
    command({
      name: 'submit',
      summary:
        'Submit a task file or --prompt to secutools; prints the job id. Exit 1 if a task file routes to claude-code and no --provider is given.',
      argument: { name: '[task.md]', description: 'a task file (provider and priority from its frontmatter)' },
      options: [
        { flags: '--prompt <text>', description: 'the prompt to send instead of a task file' },
        { flags: '--provider <name>', description: "auto | gpu | gemini | claude-api (overrides the task's routing)" },
        { flags: '--priority <level>', description: "critical | high | default | low (default: the task's, else default)" },
        { flags: '--idempotency-key <key>', description: 'reuse a key so that re-running the same submission returns the same job' },
      ],
      dryRun: false,
      needs: 'config',
      examples: ['ccl-delegate submit inbox/summarise-logs.md', 'job=$(ccl-delegate submit --prompt "Summarise CVE-2024-3094" --provider gemini --priority high)'],
      load: () => import('../delegation/delegate-submit.command.js'),
      runOptions: ({ flags, argument }) => ({
        file: argument,
        prompt: flags.prompt as string | undefined,
        provider: flags.provider as string | undefined,
        priority: flags.priority as string | undefined,
        idempotencyKey: flags.idempotencyKey as string | undefined,
      }),
    }),
    command({
      name: 'get',
      summary: "Print a job's status (queued, running, completed, failed, cancelled); exit 1 if it failed or was cancelled.",
      argument: { name: '<job-id>', description: 'the id printed by submit' },
      dryRun: false,
      needs: 'config',
      examples: ['ccl-delegate get "$job"'],
      load: () => import('../delegation/delegate-get.command.js'),
      runOptions: ({ argument }) => ({ jobId: argument as string }),
    }),
    command({
      name: 'result',
      summary: "Print a job's result text; exit 1 if it failed, is not finished (without --wait) or the wait timed out.",
      argument: { name: '<job-id>', description: 'the id printed by submit' },
      options: [
        { flags: '--wait', description: 'poll (with backoff) until the job finishes' },
        { flags: '--timeout <duration>', description: 'how long --wait waits, e.g. 30s, 10m, 1h', default: '10m' },
      ],
      dryRun: false,
      needs: 'config',
      examples: ['ccl-delegate result "$job" --wait --timeout 10m > answer.md'],
      load: () => import('../delegation/delegate-result.command.js'),
      runOptions: ({ flags, argument }) => ({ jobId: argument as string, wait: flags.wait as boolean | undefined, timeout: flags.timeout as string | undefined }),
    }),
  ],
};

export async function main({ argv, bin }: { argv: string[]; bin: string }): Promise<void> {
  await runTable(CCL_DELEGATE, argv, bin);
}
