import { errorMessage } from '../base/core/errors.js';
import type { Style } from '../base/core/format.js';
import { parseStopPayload } from '../claude-code/core/hook-payload.js';
import { withConfig, type BaseContext } from '../context.js';
import { MAX_HOOK_INPUT_BYTES, paneSession, readBounded, transcriptProblem } from './hook-input.js';
import { writeDoneSignal } from './signals.js';

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
  const input = await readBounded(options.input);
  if (input.truncated) return skip(base, `the hook JSON is larger than ${MAX_HOOK_INPUT_BYTES / 1024} KiB`);
  // Claude Code always sends its JSON; a payload it would not have sent is someone else's, and finishes no task.
  const parsed = parseStopPayload(input.text);
  if (!parsed.ok) return skip(base, parsed.reason);
  const payload = parsed.value;
  if (payload === null) base.log.debug('hook stop: no hook JSON on stdin; recording the signal without it');
  if (!base.env.TMUX_PANE) return skip(base, 'not running inside a tmux pane ($TMUX_PANE is not set)');

  let ctx;
  try {
    ctx = await withConfig(base, options.config);
  } catch (error) {
    return skip(base, `no usable config: ${errorMessage(error)}`);
  }
  const found = await paneSession(base, ctx);
  if (!found.ok) return skip(base, found.reason, found.session);
  const misplaced = await transcriptProblem(ctx, payload?.transcriptPath ?? null);
  if (misplaced) return skip(base, misplaced, found.session);
  const path = await writeDoneSignal(ctx, {
    session: found.session,
    at: ctx.clock.now().toISOString(),
    pane: found.pane,
    sessionId: payload?.sessionId ?? null,
    transcriptPath: payload?.transcriptPath ?? null,
    cwd: payload?.cwd ?? null,
  });
  base.log.debug(`hook stop: ${found.session} signalled finished (${path})`);
  return { written: true, session: found.session, signal: path, reason: null };
}

export function render(result: HookStopResult, style: Style): string {
  return result.written ? `${result.session}: signalled finished (${result.signal})` : style.dim(`nothing recorded: ${result.reason}`);
}
