import { Command, CommanderError, Option } from 'commander';
import { createColors } from 'picocolors';
import { ExitCode, FailoverError, errorMessage } from '../base/core/errors.js';
import { systemFault } from '../base/core/fs-faults.js';
import type { Style } from '../base/core/format.js';
import type { BaseContext, Context, GlobalOptions } from '../context.js';

/** What a command module exports (the `*.command.ts` files): a run that returns a plain JSON-safe result, and its rendering. */
export interface CommandModule<O, R, C extends BaseContext = Context> {
  run(options: O, ctx: C): Promise<R>;
  render(result: R, style: Style): string;
  /** Non-zero exit codes that come with a result (e.g. status → 3 while the partial-swap flag is set). */
  exitCode?(result: R): number;
}

export interface CommonFlags extends GlobalOptions {
  dryRun?: boolean;
}

/** The options every command takes; `--dry-run` only where the command changes anything. */
export function withCommonOptions(command: Command, { dryRun }: { dryRun: boolean }): Command {
  command
    .option('--config <path>', 'config file (default: $CLAUDE_FAILOVER_CONFIG, else $XDG_CONFIG_HOME/claude-failover/config.yaml)')
    .option('--json', 'print exactly one JSON document on stdout (logs stay on stderr)')
    .option('-v, --verbose', 'debug logging on stderr');
  if (dryRun) command.option('--dry-run', 'show what would change without changing anything');
  return command;
}

export function example(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExample:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

function setExitCode(code: number): void {
  // The single place (with the commander error handler below) where an exit code is decided.
  process.exitCode = code;
}

/**
 * Runs one command: builds its context, runs it, prints its result (human text or one JSON document) and maps
 * errors to the exit-code table. Nothing below this calls process.exit().
 */
export async function execute<O, R, C extends BaseContext>(
  load: () => Promise<CommandModule<O, R, C>>,
  options: O,
  flags: CommonFlags,
  needs: 'config' | 'none',
  command: string,
): Promise<void> {
  // Loaded here, not at the top: `--help` and usage errors then never pay for the config, YAML and lock modules.
  const { createBaseContext, withConfig } = await import('../context.js');
  const base = createBaseContext(flags);
  const started = base.clock.monotonicMs();
  let ctx: Context | null = null;
  let code: number;
  try {
    const module = await load();
    if (needs === 'config') ctx = await withConfig(base, flags.config);
    const result = await module.run(options, (ctx ?? base) as C);
    if (flags.json) base.out.json(result);
    else base.out.text(module.render(result, styleFor(base.color)));
    code = module.exitCode?.(result) ?? ExitCode.ok;
  } catch (error) {
    code = reportError(error, base, flags);
  }
  if (!flags.dryRun) await recordRun(base, ctx, flags, command, code, base.clock.monotonicMs() - started);
  setExitCode(code);
}

/**
 * Every run that is not a dry run leaves its end time and result in `<state_dir>/last-run/` (what `metrics` shows as
 * `claude_failover_last_run_timestamp_seconds`). Outside the lock and after the output, and it can never change the
 * command's outcome: a record that cannot be written is only a debug line. A command without a config (doctor, the
 * hooks, init) records into the state dir of the config it finds, if any.
 */
async function recordRun(base: BaseContext, ctx: Context | null, flags: CommonFlags, command: string, exitCode: number, durationMs: number): Promise<void> {
  try {
    const { withConfig } = await import('../context.js');
    const stateDir = (ctx ?? (await withConfig(base, flags.config))).paths.stateDir;
    const { recordLastRun } = await import('../operations/last-run.js');
    const { runResultOf } = await import('../operations/core/last-run.js');
    await recordLastRun(stateDir, { command, result: runResultOf(exitCode), exitCode, at: base.clock.now().toISOString(), durationMs: Math.round(durationMs) });
  } catch (error) {
    base.log.debug(`last run of ${command} not recorded: ${errorMessage(error)}`);
  }
}

function reportError(thrown: unknown, base: BaseContext, options: GlobalOptions): number {
  // A full, read-only or foreign folder is the operator's to fix, not a bug: said in words, with the path and the fix.
  const error = systemFault(thrown) ?? thrown;
  if (error instanceof FailoverError) {
    base.log.error(error.message);
    if (error.hint) base.log.info(`hint: ${error.hint}`);
    if (options.json) base.out.json({ error: { code: error.code, message: error.message, hint: error.hint ?? null, exitCode: error.exitCode } });
    return error.exitCode;
  }
  // Anything else is a bug: say so plainly, with the stack under -v.
  base.log.error(`unexpected failure: ${errorMessage(error)}`);
  if (error instanceof Error && error.stack) base.log.debug(error.stack);
  if (options.json) base.out.json({ error: { code: 'internal', message: errorMessage(error), hint: null, exitCode: ExitCode.failed } });
  return ExitCode.failed;
}

export function styleFor(color: boolean): Style {
  const c = createColors(color);
  return { bold: c.bold, dim: c.dim, red: c.red, green: c.green, yellow: c.yellow, cyan: c.cyan };
}

/**
 * Parses argv and runs the chosen command. Commander's own errors (unknown option, missing argument) are usage
 * errors: exit 2, and with --json a JSON error document on stdout.
 */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  program.exitOverride();
  for (const sub of allCommands(program)) sub.exitOverride();
  // A reader that stops early (`| head`, `| jq -e ... | head`) closes the pipe. The rest of the output then has no
  // reader, which is not this command's failure: its work is done and saved, and its exit code stays its own.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) {
      setExitCode(ExitCode.ok);
      return;
    }
    if (argv.includes('--json')) {
      process.stdout.write(
        JSON.stringify({ error: { code: 'usage', message: error.message.replace(/^error: /, ''), hint: null, exitCode: ExitCode.usage } }, null, process.stdout.isTTY ? 2 : undefined) + '\n',
      );
    }
    setExitCode(ExitCode.usage);
  }
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

export { Command, Option };
