import type { BaseContext } from '../context.js';
import type { CommandModule, CommonFlags } from './frame.js';

/**
 * A command as data: what `--help` says of it, the options it takes, and the module that runs it. Each binary keeps
 * one table of these (cli/claude-failover.ts, cli/ccl-delegate.ts) and cli/wire.ts makes commander out of it, so a
 * new command is one entry, not a new chain of calls.
 */
export interface OptionSpec {
  /** commander flags: `--to <name>`, `--no-swap`, `--timeout <duration>`. */
  flags: string;
  /** What it does, with units and the default where there is one. */
  description: string;
  /** A default that commander fills in (shown in --help). */
  default?: string;
  /** Options it cannot be combined with, by commander attribute name (`dryRun`). */
  conflicts?: readonly string[];
}

export interface ArgumentSpec {
  /** `<job-id>` (required) or `[task.md]` (optional). */
  name: string;
  description: string;
}

/** What commander parsed for one invocation, plus what the process gives (the bin path, stdin). */
export interface Invocation {
  flags: CommonFlags & Record<string, unknown>;
  argument: string | undefined;
  /** Absolute path of the bin shim that started this process (the systemd units and hooks run exactly that). */
  bin: string;
  stdin: NodeJS.ReadableStream;
}

export interface CommandSpec {
  /** `scan-inbox`, or `<group> <name>` for a command of a group (`hook stop`). */
  name: string;
  /** One or two sentences for `--help`: what it does and its exit codes where they are special. */
  summary: string;
  argument?: ArgumentSpec;
  options?: readonly OptionSpec[];
  /** Whether the command takes `--dry-run` (it changes something). */
  dryRun: boolean;
  examples: readonly string[];
  /** `none`: the command finds its config itself, or needs none (hooks must never fail on a broken config). */
  needs: 'config' | 'none';
  /** The module that runs it and the options it gets; loaded on first use, so start-up pays only for this one. */
  resolve(invocation: Invocation): { load: () => Promise<CommandModule<unknown, unknown, BaseContext>>; options: unknown };
}

export interface GroupSpec {
  name: string;
  summary: string;
}

export interface ProgramSpec {
  name: string;
  version: string;
  description: string;
  /** Printed after the command list (the exit-code table). */
  epilogue?: string;
  groups?: readonly GroupSpec[];
  commands: readonly CommandSpec[];
}

/**
 * Ties one table entry to its module's types: `runOptions` is checked against what the module's `run` takes, then
 * erased so that entries of different commands fit one table.
 */
export function command<O, R, C extends BaseContext>(
  spec: Omit<CommandSpec, 'resolve'> & {
    load: (invocation: Invocation) => Promise<CommandModule<O, R, C>>;
    /** What the module's `run` gets, made from the parsed flags. */
    runOptions: (invocation: Invocation) => O;
  },
): CommandSpec {
  const { load, runOptions, ...rest } = spec;
  return {
    ...rest,
    resolve: (invocation) => ({
      load: () => load(invocation) as unknown as Promise<CommandModule<unknown, unknown, BaseContext>>,
      options: runOptions(invocation),
    }),
  };
}

/** The options of a command that only takes the common flags (and `--dry-run`). */
export const commonOptions = ({ flags }: Invocation) => ({ ...flags, dryRun: Boolean(flags.dryRun) });
