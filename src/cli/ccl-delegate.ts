import { Command, example, execute, runProgram, withCommonOptions, type CommonFlags } from './frame.js';
import type { DecideOptions } from '../delegation/decide.command.js';
import type { DelegateResultOptions } from '../delegation/delegate-result.command.js';
import type { DelegateSubmitOptions } from '../delegation/delegate-submit.command.js';

/** `ccl-delegate`: the delegation contract for bash scripts. Bare values by default, `--json` on request. */
export function buildProgram(): Command {
  const program = new Command('ccl-delegate')
    .description('Delegation for bash scripts: decide where a task runs, submit to secutools, read the job and its result.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)');

  example(
    withCommonOptions(
      program
        .command('decide')
        .argument('[task.md]', 'a task file (routing fields from its frontmatter)')
        .description('Print the provider (line 1) and the reason (line 2) for a task file or for flags. No network.')
        .option('--preferred-ai <name>', 'auto | claude-code | gpu | gemini | claude-api (case-insensitive)')
        .option('--allow-delegation', 'the task may leave this machine')
        .option('--needs-claude-code', 'the task must run in a local Claude Code session')
        .option('--complexity-hint <level>', 'low | medium | high (informational)'),
      { dryRun: false },
    ),
    'ccl-delegate decide inbox/refactor.md',
    'ccl-delegate decide --allow-delegation --preferred-ai GPU --json',
  ).action((file: string | undefined, options: DecideOptions & CommonFlags) =>
    execute(() => import('../delegation/decide.command.js'), { ...options, file }, 'none'),
  );

  example(
    withCommonOptions(
      program
        .command('submit')
        .argument('[task.md]', 'a task file (provider and priority from its frontmatter)')
        .description('Submit a task file or --prompt to secutools; prints the job id. Exit 1 if a task file routes to claude-code and no --provider is given.')
        .option('--prompt <text>', 'the prompt to send instead of a task file')
        .option('--provider <name>', 'auto | gpu | gemini | claude-api (overrides the task\'s routing)')
        .option('--priority <level>', 'critical | high | default | low (default: the task\'s, else default)')
        .option('--idempotency-key <key>', 'reuse a key so that re-running the same submission returns the same job'),
      { dryRun: false },
    ),
    'ccl-delegate submit inbox/summarise-logs.md',
    'job=$(ccl-delegate submit --prompt "Summarise CVE-2024-3094" --provider gemini --priority high)',
  ).action((file: string | undefined, options: DelegateSubmitOptions & CommonFlags) =>
    execute(() => import('../delegation/delegate-submit.command.js'), { ...options, file }, 'config'),
  );

  example(
    withCommonOptions(
      program
        .command('get')
        .argument('<job-id>', 'the id printed by submit')
        .description('Print a job\'s status (queued, running, completed, failed, cancelled); exit 1 if it failed or was cancelled.'),
      { dryRun: false },
    ),
    'ccl-delegate get "$job"',
  ).action((jobId: string, options: CommonFlags) => execute(() => import('../delegation/delegate-get.command.js'), { ...options, jobId }, 'config'));

  example(
    withCommonOptions(
      program
        .command('result')
        .argument('<job-id>', 'the id printed by submit')
        .description('Print a job\'s result text; exit 1 if it failed, is not finished (without --wait) or the wait timed out.')
        .option('--wait', 'poll (with backoff) until the job finishes')
        .option('--timeout <duration>', 'how long --wait waits, e.g. 30s, 10m, 1h', '10m'),
      { dryRun: false },
    ),
    'ccl-delegate result "$job" --wait --timeout 10m > answer.md',
  ).action((jobId: string, options: DelegateResultOptions & CommonFlags) =>
    execute(() => import('../delegation/delegate-result.command.js'), { ...options, jobId }, 'config'),
  );
  return program;
}

export async function main({ argv }: { argv: string[] }): Promise<void> {
  await runProgram(buildProgram(), argv);
}
