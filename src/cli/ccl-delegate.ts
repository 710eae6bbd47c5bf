import { Command, example, execute, notImplemented, runProgram, withCommonOptions, type CommonFlags } from './frame.js';
import type { DecideOptions } from '../commands/decide.js';

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
    execute(() => import('../commands/decide.js'), { ...options, file }, 'none'),
  );

  for (const [name, description] of [
    ['submit', 'Submit a task file or --prompt to secutools; prints the job id.'],
    ['get', 'Print a job\'s status.'],
    ['result', 'Print a job\'s result text; non-zero if the job failed.'],
  ] as const) {
    const command = withCommonOptions(program.command(name).description(description).allowExcessArguments(true), { dryRun: false });
    command.action((...args: unknown[]) => execute(notImplemented(`ccl-delegate ${name}`, '[delegation]'), (args.at(-2) ?? {}) as CommonFlags, 'none'));
  }
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await runProgram(buildProgram(), argv);
}
