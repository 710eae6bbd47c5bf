import { Command, Option, example, execute, runProgram, withCommonOptions, type CommonFlags } from './frame.js';
import type { CommandSpec, Invocation, ProgramSpec } from './command-spec.js';

/** Makes commander out of a binary's command table: the only code that knows how commander is called. */
export function buildProgram(spec: ProgramSpec, bin: string): Command {
  const program = new Command(spec.name).description(spec.description).version(spec.version).showHelpAfterError('(add --help for usage)');
  if (spec.epilogue) program.addHelpText('after', spec.epilogue);
  // A group joins the command list where its first command is in the table, so --help lists them in table order.
  const groups = new Map<string, Command>();
  const groupOf = (name: string): Command => {
    const known = groups.get(name);
    if (known) return known;
    const group = spec.groups?.find((g) => g.name === name);
    if (!group) throw new Error(`command table: no group "${name}"`);
    const made = program.command(group.name).description(group.summary);
    groups.set(name, made);
    return made;
  };
  for (const entry of spec.commands) {
    const [first, second] = entry.name.split(' ') as [string, string | undefined];
    wire(second === undefined ? program.command(first) : groupOf(first).command(second), entry, bin);
  }
  return program;
}

function wire(sub: Command, entry: CommandSpec, bin: string): void {
  sub.description(entry.summary);
  if (entry.argument) sub.argument(entry.argument.name, entry.argument.description);
  for (const option of entry.options ?? []) {
    const made = new Option(option.flags, option.description);
    if (option.default !== undefined) made.default(option.default);
    if (option.conflicts) made.conflicts([...option.conflicts]);
    sub.addOption(made);
  }
  example(withCommonOptions(sub, { dryRun: entry.dryRun }), ...entry.examples);
  sub.action((...args: unknown[]) => {
    // commander passes the positional argument (when the command has one) before the parsed flags.
    const argument = entry.argument ? (args[0] as string | undefined) : undefined;
    const flags = (entry.argument ? args[1] : args[0]) as CommonFlags & Record<string, unknown>;
    const invocation: Invocation = { flags, argument, bin, stdin: process.stdin };
    const { load, options } = entry.resolve(invocation);
    return execute(load, options, flags, entry.needs, entry.name);
  });
}

/** Parses argv against the table and runs the chosen command. */
export async function runTable(spec: ProgramSpec, argv: string[], bin: string): Promise<void> {
  await runProgram(buildProgram(spec, bin), argv);
}
