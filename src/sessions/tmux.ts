/**
 * The tmux edge. No shell is ever involved: every call is one argv. Every target is exact (`=name`),
 * because tmux otherwise matches prefixes and `ccl-auto-1` would hit `ccl-auto-11`. Every call has a timeout, and
 * failures are classified into the codes below so callers can tell "tmux is not installed" from "no server yet"
 * from "that session just vanished".
 */

import { randomBytes } from 'node:crypto';
import { ExitCode, FailoverError } from '../base/core/errors.js';
import { isUnderSystemd } from '../base/log.js';

export const TmuxError = {
  missing: 'tmux-missing',
  timeout: 'tmux-timeout',
  noServer: 'tmux-no-server',
  sessionGone: 'tmux-session-gone',
  duplicate: 'tmux-duplicate-session',
  failed: 'tmux-failed',
  systemdRunMissing: 'systemd-run-missing',
} as const;
export type TmuxErrorCode = (typeof TmuxError)[keyof typeof TmuxError];

export function isTmuxError(error: unknown, ...codes: TmuxErrorCode[]): error is FailoverError {
  return error instanceof FailoverError && (codes as string[]).includes(error.code);
}

export interface NewSessionOptions {
  cwd: string;
  /** A fixed size, so captures look the same whether or not anyone is attached. */
  width?: number;
  height?: number;
}

export interface Tmux {
  /** How the server is addressed, for messages (`tmux -L name`, `tmux (default server)`). */
  readonly label: string;
  /** Session names; [] when no server is running. */
  listSessions(): Promise<string[]>;
  hasSession(name: string): Promise<boolean>;
  /** Creates a detached session; under systemd through `systemd-run --user --scope` so it outlives the unit. */
  newSession(name: string, options: NewSessionOptions): Promise<void>;
  /** False when the session was already gone (or no server runs). */
  killSession(name: string): Promise<boolean>;
  /**
   * Creates many sessions, and kills many, in one tmux invocation each (a swap of a dozen sessions must not pay a
   * dozen client processes). When one of them fails the chain stops there, so the rest are then done one by one and
   * each failure is the caller's as with the single calls: a kill of a session already gone is not one.
   */
  newSessions(sessions: ReadonlyArray<{ name: string } & NewSessionOptions>): Promise<void>;
  killSessions(names: readonly string[]): Promise<void>;
  /** Key names (`Enter`, `Escape`, `C-c`), each sent as a key. */
  sendKeys(name: string, ...keys: string[]): Promise<void>;
  /** Literal text typed into the pane (`send-keys -l`): no key-name interpretation. */
  sendText(name: string, text: string): Promise<void>;
  /**
   * Types a command line and presses Enter, in one tmux invocation; with `reset`, the terminal is first reset and
   * its scrollback dropped, so nothing of an earlier screen (an old prompt box) can be read as the new one's.
   */
  sendLine(name: string, text: string, options?: { reset?: boolean }): Promise<void>;
  /** Bracketed paste of `text` (given to tmux on stdin, never in argv) through a uniquely named buffer. */
  paste(name: string, text: string): Promise<void>;
  /** The visible pane text (`capture-pane -p -J`). */
  capture(name: string): Promise<string>;
  /** Captures many sessions in as few tmux invocations as possible; a vanished session maps to null. */
  captureMany(names: readonly string[]): Promise<Map<string, string | null>>;
  /**
   * Like captureMany, plus each pane's foreground command (`#{pane_current_command}`) and shell pid (`#{pane_pid}`),
   * in the same invocations.
   */
  inspectMany(names: readonly string[]): Promise<Map<string, PaneSnapshot | null>>;
  /** `display-message -p -t <target> <format>`; the target is used as given (e.g. a pane id `%3`). */
  displayMessage(target: string, format: string): Promise<string>;
  killServer(): Promise<void>;
}

export interface PaneSnapshot {
  text: string;
  /** The pane's foreground process name, e.g. `bash` at the shell, `claude` (or `node`) while Claude Code runs. */
  command: string;
  /** The pid of the pane's first process (its shell, `#{pane_pid}`): whatever runs in the pane descends from it. */
  panePid: number | null;
}

export interface TmuxOptions {
  /** `tmux -L <socket>`; null = the default server (or the one `$TMUX` names). */
  socket: string | null;
  /** `tmux -S <path>`, used by the Stop hook to reach the server its pane lives on. Wins over `socket`. */
  socketPath?: string | null;
  env: NodeJS.ProcessEnv;
  /**
   * Variables kept out of a tmux server this adapter starts (its environment is inherited by every pane): e.g. the
   * secutools key variable. Our own run-time variables (failpoints, systemd's) are always kept out.
   */
  scrubEnv?: readonly string[];
  timeoutMs?: number;
  command?: string;
  systemdRun?: string;
}

export const DEFAULT_PANE_SIZE = { width: 200, height: 50 };
const DEFAULT_TIMEOUT_MS = 5000;
/**
 * A server started from a failpoint test or a systemd unit must not pass that on: a pane inheriting INVOCATION_ID
 * would make every claude-failover run inside it (the Stop hook) believe it runs under systemd.
 */
const NEVER_INHERITED = ['CLAUDE_FAILOVER_FAILPOINT', 'INVOCATION_ID', 'JOURNAL_STREAM'];
/** Sessions per batched capture: keeps argv short while still answering 20 sessions in one process. */
const CAPTURE_BATCH = 50;

/** execa loads on the first tmux call, so commands that never touch tmux do not pay for it at start-up. */
let execaModule: Promise<typeof import('execa')> | undefined;
const loadExeca = () => (execaModule ??= import('execa'));

const sessionTarget = (name: string) => `=${name}`;
/**
 * tmux expands `new-session -c` as a format, and `#(command)` in a format runs a shell command: a folder named
 * `#(touch x)` would run it. `##` is a literal `#`.
 */
const literalFormat = (text: string) => text.replace(/#/g, '##');
/** `=name:` = the active pane of the session's current window, matched exactly. */
const paneTarget = (name: string) => `=${name}:`;

export function createTmux(options: TmuxOptions): Tmux {
  const command = options.command ?? 'tmux';
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const serverArgs = options.socketPath ? ['-S', options.socketPath] : options.socket ? ['-L', options.socket] : [];
  const label = `tmux${serverArgs.length ? ' ' + serverArgs.join(' ') : ' (default server)'}`;

  async function run(args: string[], extra: { input?: string; via?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
    const argv = [...(extra.via ?? []), command, ...serverArgs, ...args];
    const { execa } = await loadExeca();
    const result = await execa(argv[0] as string, argv.slice(1), {
      env: extra.env ?? options.env,
      extendEnv: extra.env === undefined,
      reject: false,
      timeout,
      input: extra.input ?? '',
      stripFinalNewline: false,
    });
    if (!result.failed) return String(result.stdout);
    throw classify(result, argv[0] as string, args[0] as string, String(result.stdout));
  }

  function classify(
    result: { code?: string | undefined; timedOut: boolean; stderr: unknown; exitCode?: number | undefined },
    binary: string,
    verb: string,
    stdout: string,
  ): FailoverError {
    const stderr = String(result.stderr ?? '').trim();
    const fail = (code: TmuxErrorCode, message: string, hint?: string) =>
      Object.assign(new FailoverError(ExitCode.failed, code, message, hint ? { hint } : {}), { stdout });
    if (result.code === 'ENOENT') {
      if (binary !== command) return fail(TmuxError.systemdRunMissing, `${binary} is not installed, but this runs under systemd and needs it to keep tmux sessions alive after the unit ends`);
      return fail(TmuxError.missing, `${command} is not installed or not on PATH`, 'install tmux (3.3 or newer)');
    }
    if (result.timedOut) return fail(TmuxError.timeout, `${label} ${verb} did not answer within ${timeout} ms`);
    if (/no server running|error connecting to|server exited unexpectedly/i.test(stderr)) {
      return fail(TmuxError.noServer, `${label}: no tmux server is running`);
    }
    if (/can't find (session|pane|window)/i.test(stderr)) return fail(TmuxError.sessionGone, `${label} ${verb}: ${stderr}`);
    if (/duplicate session/i.test(stderr)) return fail(TmuxError.duplicate, `${label} ${verb}: ${stderr}`);
    return fail(TmuxError.failed, `${label} ${verb} failed (exit ${result.exitCode ?? '?'}): ${stderr || 'no message'}`);
  }

  /** The environment a new server would inherit: ours, minus what must not reach the panes. */
  function serverEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    for (const name of [...NEVER_INHERITED, ...(options.scrubEnv ?? [])]) delete env[name];
    return env;
  }

  /** Runs a command on one session: false when that session (or the whole server) is not there. */
  const ranOnSession = async (args: string[]): Promise<boolean> => {
    try {
      await run(args);
      return true;
    } catch (error) {
      if (isTmuxError(error, TmuxError.noServer, TmuxError.sessionGone)) return false;
      throw error;
    }
  };

  const tmux: Tmux = {
    label,
    async listSessions() {
      try {
        return (await run(['list-sessions', '-F', '#{session_name}'])).split('\n').filter((line) => line !== '');
      } catch (error) {
        if (isTmuxError(error, TmuxError.noServer)) return [];
        throw error;
      }
    },
    hasSession: (name) => ranOnSession(['has-session', '-t', sessionTarget(name)]),
    async newSession(name, session) {
      await tmux.newSessions([{ name, ...session }]);
    },
    async newSessions(sessions) {
      if (sessions.length === 0) return;
      const args = sessions.flatMap((session, i) => [
        ...(i === 0 ? [] : [';']),
        'new-session', '-d', '-s', session.name, '-c', literalFormat(session.cwd),
        '-x', String(session.width ?? DEFAULT_PANE_SIZE.width), '-y', String(session.height ?? DEFAULT_PANE_SIZE.height),
      ]);
      // A tmux server started from a oneshot unit dies with the unit's cgroup; a transient scope keeps it alive.
      const via = isUnderSystemd(options.env) ? [options.systemdRun ?? 'systemd-run', '--user', '--scope', '--quiet'] : [];
      try {
        await run(args, { via, env: serverEnv() });
      } catch (error) {
        if (sessions.length === 1) throw error;
        const existing = new Set(await tmux.listSessions());
        for (const session of sessions) if (!existing.has(session.name)) await tmux.newSessions([session]);
      }
    },
    killSession: (name) => ranOnSession(['kill-session', '-t', sessionTarget(name)]),
    async killSessions(names) {
      if (names.length === 0) return;
      const chained = await ranOnSession(names.flatMap((name, i) => [...(i === 0 ? [] : [';']), 'kill-session', '-t', sessionTarget(name)]));
      if (chained || names.length === 1) return;
      // One of them was already gone and the chain stopped there: the rest one by one.
      for (const name of names) await tmux.killSession(name);
    },
    async sendKeys(name, ...keys) {
      await run(['send-keys', '-t', paneTarget(name), ...keys]);
    },
    async sendText(name, text) {
      await run(['send-keys', '-t', paneTarget(name), '-l', '--', text]);
    },
    async sendLine(name, text, lineOptions = {}) {
      const target = paneTarget(name);
      const reset = lineOptions.reset ? ['send-keys', '-R', '-t', target, ';', 'clear-history', '-t', target, ';'] : [];
      await run([...reset, 'send-keys', '-t', target, '-l', '--', text, ';', 'send-keys', '-t', target, 'Enter']);
    },
    async paste(name, text) {
      const buffer = `cf-${process.pid}-${randomBytes(6).toString('hex')}`;
      try {
        // -p: bracketed paste, so Claude Code takes the whole text as one paste; -d: the buffer is deleted after.
        await run(['load-buffer', '-b', buffer, '-', ';', 'paste-buffer', '-p', '-d', '-b', buffer, '-t', paneTarget(name)], { input: text });
      } catch (error) {
        await run(['delete-buffer', '-b', buffer]).catch(() => undefined);
        throw error;
      }
    },
    async capture(name) {
      return run(['capture-pane', '-p', '-J', '-t', paneTarget(name)]);
    },
    async captureMany(names) {
      const snapshots = await tmux.inspectMany(names);
      return new Map([...snapshots].map(([name, snapshot]) => [name, snapshot === null ? null : snapshot.text]));
    },
    async inspectMany(names) {
      const captured = new Map<string, PaneSnapshot | null>();
      for (let start = 0; start < names.length; start += CAPTURE_BATCH) {
        await captureBatch(names.slice(start, start + CAPTURE_BATCH), captured);
      }
      return captured;
    },
    async displayMessage(target, format) {
      return (await run(['display-message', '-p', '-t', target, format])).replace(/\n$/, '');
    },
    async killServer() {
      try {
        await run(['kill-server']);
      } catch (error) {
        if (!isTmuxError(error, TmuxError.noServer)) throw error;
      }
    },
  };

  /**
   * One tmux process for many captures: `capture-pane … ; display-message -p '<marker> #{pane_pid} #{pane_current_command}' ;
   * capture-pane …`. The markers are random per call, so pane text cannot fake one. tmux stops a command list at
   * the first failing command (a session that vanished): what came before is kept, that session is recorded as
   * gone, and the rest is retried, so each vanished session costs one extra invocation at most.
   */
  async function captureBatch(batch: string[], captured: Map<string, PaneSnapshot | null>): Promise<void> {
    let pending = batch;
    while (pending.length > 0) {
      const token = randomBytes(8).toString('hex');
      const marker = (i: number) => `__cf_capture_${token}_${i}__`;
      const args = pending.flatMap((name, i) => [
        ...(i === 0 ? [] : [';']),
        'capture-pane', '-p', '-J', '-t', paneTarget(name), ';',
        'display-message', '-p', '-t', paneTarget(name), `${marker(i)} #{pane_pid} #{pane_current_command}`,
      ]);
      let output: string;
      let failure: FailoverError | null = null;
      try {
        output = await run(args);
      } catch (error) {
        if (!isTmuxError(error, TmuxError.sessionGone, TmuxError.noServer)) throw error;
        failure = error;
        output = (error as FailoverError & { stdout?: string }).stdout ?? '';
      }
      let offset = 0;
      let done = 0;
      for (const [i, name] of pending.entries()) {
        const end = output.indexOf(`${marker(i)} `, offset);
        const lineEnd = end === -1 ? -1 : output.indexOf('\n', end);
        if (lineEnd === -1) break;
        const [pid, ...command] = output.slice(end + marker(i).length + 1, lineEnd).split(' ');
        const panePid = Number(pid);
        captured.set(name, { text: output.slice(offset, end), command: command.join(' '), panePid: Number.isInteger(panePid) && panePid > 0 ? panePid : null });
        offset = lineEnd + 1;
        done = i + 1;
      }
      if (failure === null) return;
      if (isTmuxError(failure, TmuxError.noServer)) {
        for (const name of pending.slice(done)) captured.set(name, null);
        return;
      }
      if (done >= pending.length) return;
      captured.set(pending[done] as string, null);
      pending = pending.slice(done + 1);
    }
  }

  return tmux;
}

/** The server socket path from `$TMUX` (`<socket path>,<server pid>,<session index>`), as the Stop hook sees it. */
export function socketPathFromTmuxEnv(value: string | undefined): string | null {
  if (!value) return null;
  const path = value.split(',')[0] ?? '';
  return path.startsWith('/') ? path : null;
}
