import { createColors } from 'picocolors';
import { printable } from './core/format.js';
import type { Redactor } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface Log {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** journald priorities (sd-daemon(3)): `<3>` err, `<4>` warning, `<6>` info, `<7>` debug. */
const JOURNALD_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

export interface LogOptions {
  verbose: boolean;
  /** Prefix every line with its journald priority (running under systemd). */
  journald: boolean;
  color: boolean;
  write: (text: string) => void;
  redactor: Redactor;
}

export function isUnderSystemd(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.JOURNAL_STREAM || env.INVOCATION_ID);
}

/** Colour only on a terminal and never with NO_COLOR (https://no-color.org); CI or FORCE_COLOR never force it. */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
}

export function createLog(options: LogOptions): Log {
  const colors = createColors(options.color);
  const label: Record<LogLevel, string> = {
    error: colors.red('error'),
    warn: colors.yellow('warning'),
    info: colors.cyan('info'),
    debug: colors.dim('debug'),
  };
  const emit = (level: LogLevel, message: string) => {
    if (level === 'debug' && !options.verbose) return;
    // A name or message from outside must not drive the operator's terminal: control characters are shown escaped.
    const text = printable(options.redactor.apply(message));
    const lines = text.split('\n').map((line) =>
      options.journald ? `<${JOURNALD_PRIORITY[level]}>${level}: ${line}` : `${label[level]}: ${line}`,
    );
    options.write(lines.join('\n') + '\n');
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
  };
}

/** A log that keeps its lines, for tests and for commands that report what they logged. */
export function createMemoryLog(): Log & { lines: Array<{ level: LogLevel; message: string }> } {
  const lines: Array<{ level: LogLevel; message: string }> = [];
  const push = (level: LogLevel) => (message: string) => void lines.push({ level, message });
  return { lines, error: push('error'), warn: push('warn'), info: push('info'), debug: push('debug') };
}
