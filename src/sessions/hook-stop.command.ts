import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../base/fs-atomic.js';
import { createTmux, socketPathFromTmuxEnv } from './tmux.js';
import { isPoolSessionName } from '../base/core/config.js';
import { errorMessage } from '../base/core/errors.js';
import type { Style } from '../base/core/format.js';
import { withConfig, type BaseContext } from '../context.js';
import { signalPath } from './signals.js';

export interface HookStopOptions {
  config?: string | undefined;
  /** Where the hook JSON comes from (the CLI passes stdin). */
  input?: NodeJS.ReadableStream | undefined;
}

export interface HookStopResult {
  written: boolean;
  session: string | null;
  signal: string | null;
  /** Why nothing was written (unknown pane, no config...). */
  reason: string | null;
}

/** Claude Code waits for its hooks: everything here is bounded so a Stop hook never holds a session up. */
const MAX_INPUT_BYTES = 64 * 1024;
const INPUT_TIMEOUT_MS = 2000;
const TMUX_TIMEOUT_MS = 2000;

/**
 * `claude-failover hook stop`: Claude Code's Stop hook. Reads the hook JSON, finds the tmux session
 * of the pane it runs in (`$TMUX_PANE`, on the server `$TMUX` names), and writes `<state_dir>/signals/<session>.done`,
 * the strongest completion evidence reconcile reads. It always exits 0: a Stop hook exiting 2 would make Claude
 * Code carry on working, and any other failure would only clutter the operator's screen. Why nothing was written
 * goes to the log.
 */
export async function run(options: HookStopOptions, base: BaseContext): Promise<HookStopResult> {
  try {
    return await signal(options, base);
  } catch (error) {
    return skip(base, `unexpected failure: ${errorMessage(error)}`);
  }
}

function skip(base: BaseContext, reason: string, session: string | null = null): HookStopResult {
  base.log.warn(`hook stop: nothing recorded: ${reason}`);
  return { written: false, session, signal: null, reason };
}

async function signal(options: HookStopOptions, base: BaseContext): Promise<HookStopResult> {
  const payload = parsePayload(options.input ? await readBounded(options.input) : '');
  if (payload === null) base.log.debug('hook stop: no usable hook JSON on stdin; recording the signal without it');
  const pane = base.env.TMUX_PANE;
  if (!pane || !/^%\d+$/.test(pane)) return skip(base, 'not running inside a tmux pane ($TMUX_PANE is not set)');

  let ctx;
  try {
    ctx = await withConfig(base, options.config);
  } catch (error) {
    return skip(base, `no usable config: ${errorMessage(error)}`);
  }
  const socketPath = socketPathFromTmuxEnv(base.env.TMUX);
  const tmux = createTmux({ socket: ctx.config.tmux.socket, socketPath, env: base.env, timeoutMs: TMUX_TIMEOUT_MS });
  let session: string;
  try {
    session = await tmux.displayMessage(pane, '#{session_name}');
  } catch (error) {
    return skip(base, `cannot find the tmux session of pane ${pane}: ${errorMessage(error)}`);
  }
  const dedicated = ctx.config.pool.dedicated.some((d) => d.session === session);
  if (!dedicated && !isPoolSessionName(session, ctx.config.pool.autonomous)) {
    return skip(base, `tmux session ${JSON.stringify(session)} is neither a pool nor a dedicated session`, session);
  }
  await mkdir(ctx.paths.signalsDir, { recursive: true, mode: 0o700 });
  const path = signalPath(ctx, session);
  await writeFileAtomic(path, JSON.stringify({
    session,
    at: ctx.clock.now().toISOString(),
    pane,
    sessionId: payload?.session_id ?? null,
    transcriptPath: payload?.transcript_path ?? null,
    cwd: payload?.cwd ?? null,
  }) + '\n', 0o600);
  base.log.debug(`hook stop: ${session} signalled finished (${path})`);
  return { written: true, session, signal: path, reason: null };
}

interface StopPayload {
  session_id: string | null;
  transcript_path: string | null;
  cwd: string | null;
}

function parsePayload(text: string): StopPayload | null {
  if (text.trim() === '') return null;
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    const str = (value: unknown) => (typeof value === 'string' ? value.slice(0, 4096) : null);
    return { session_id: str(data.session_id), transcript_path: str(data.transcript_path), cwd: str(data.cwd) };
  } catch {
    return null;
  }
}

/** Reads at most MAX_INPUT_BYTES, for at most INPUT_TIMEOUT_MS; a terminal on stdin (a manual run) is not read. */
function readBounded(input: NodeJS.ReadableStream): Promise<string> {
  if ((input as { isTTY?: boolean }).isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      clearTimeout(timer);
      input.removeListener('data', onData);
      input.removeListener('end', finish);
      input.removeListener('error', finish);
      // Nothing more is wanted from stdin; a still-open pipe must not keep the hook alive.
      (input as { destroy?: () => void }).destroy?.();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buffer.subarray(0, Math.max(0, MAX_INPUT_BYTES - size)));
      size += buffer.length;
      if (size >= MAX_INPUT_BYTES) finish();
    };
    const timer = setTimeout(finish, INPUT_TIMEOUT_MS);
    input.on('data', onData);
    input.once('end', finish);
    input.once('error', finish);
  });
}

export function render(result: HookStopResult, style: Style): string {
  return result.written ? `${result.session}: signalled finished (${result.signal})` : style.dim(`nothing recorded: ${result.reason}`);
}
