import { failpoint } from '../base/failpoint.js';
import { errorMessage } from '../base/core/errors.js';
import type { Style } from '../base/core/format.js';
import { parseStopFailurePayload, stopsTheAccount } from '../claude-code/core/hook-payload.js';
import { startCheckQuotaNow, type CheckQuotaStart, type StartPort } from '../quota/start-now.js';
import { withConfig, type BaseContext, type Context } from '../context.js';
import { MAX_HOOK_INPUT_BYTES, paneSession, readBounded, transcriptProblem } from './hook-input.js';
import { writeFailedSignal } from './signals.js';

export interface HookStopFailureOptions {
  config?: string | undefined;
  /** Where the hook JSON comes from (the CLI passes stdin). */
  input?: NodeJS.ReadableStream | undefined;
  /** Absolute path of bin/claude-failover.js: the immediate check-quota runs exactly that. */
  bin: string;
  /** Injected by tests; systemd-run or a detached process otherwise. */
  port?: StartPort;
}

export interface HookStopFailureResult {
  written: boolean;
  session: string | null;
  signal: string | null;
  /** The payload's error kind (bounded, printable), once the payload was accepted. */
  error: string | null;
  /** The check-quota run started at once (usage limit, failed login); null when none was. */
  checkQuota: CheckQuotaStart | null;
  /** Why nothing was written or started; null when all went as it should. */
  reason: string | null;
}

/**
 * `claude-failover hook stop-failure`: Claude Code's StopFailure hook, run once per turn that ended in an API error.
 * Records the failed turn in `<state_dir>/signals/<session>.failed` (the session of the pane it runs in, the kind of
 * error, its message) and, for a usage limit or a failed login, starts check-quota at once. It returns in a fraction
 * of a second and exits 0 whatever arrives on stdin: input that is not a StopFailure of one of our sessions is
 * ignored with a log line, and nothing is recorded that a reader could mistake for evidence.
 */
export async function run(options: HookStopFailureOptions, base: BaseContext): Promise<HookStopFailureResult> {
  try {
    return await record(options, base);
  } catch (error) {
    return skip(base, `unexpected failure: ${errorMessage(error)}`);
  }
}

function skip(base: BaseContext, reason: string, partial: Partial<HookStopFailureResult> = {}): HookStopFailureResult {
  base.log.warn(`hook stop-failure: ${partial.written ? 'check-quota not started' : 'nothing recorded'}: ${reason}`);
  return { written: false, session: null, signal: null, error: null, checkQuota: null, ...partial, reason };
}

async function record(options: HookStopFailureOptions, base: BaseContext): Promise<HookStopFailureResult> {
  const input = await readBounded(options.input);
  if (input.truncated) return skip(base, `the hook JSON is larger than ${MAX_HOOK_INPUT_BYTES / 1024} KiB`);
  const payload = parseStopFailurePayload(input.text);
  if (!payload.ok) return skip(base, payload.reason);
  if (!base.env.TMUX_PANE) return skip(base, 'not running inside a tmux pane ($TMUX_PANE is not set)');

  let ctx: Context;
  try {
    ctx = await withConfig(base, options.config);
  } catch (error) {
    return skip(base, `no usable config: ${errorMessage(error)}`);
  }
  const found = await paneSession(base, ctx);
  if (!found.ok) return skip(base, found.reason, { session: found.session });
  const misplaced = await transcriptProblem(ctx, payload.value.transcriptPath);
  if (misplaced) return skip(base, misplaced, { session: found.session });

  const { error, message, sessionId, transcriptPath, cwd } = payload.value;
  const signal = await writeFailedSignal(ctx, { session: found.session, at: ctx.clock.now().toISOString(), pane: found.pane, sessionId, transcriptPath, cwd, error, message });
  base.log.info(`hook stop-failure: ${found.session}: turn failed (${error}); recorded in ${signal}`);
  failpoint('hook-stop-failure:after-signal');
  const done = { written: true, session: found.session, signal, error };
  if (!stopsTheAccount(error)) return { ...done, checkQuota: null, reason: null };
  try {
    const started = await startCheckQuotaNow(ctx, { bin: options.bin, why: `hook stop-failure (${found.session}: ${error})` }, options.port);
    base.log.info(`hook stop-failure: check-quota started (${started.via === 'systemd-run' ? `unit ${started.unit}` : `pid ${started.pid}, log ${started.log}`})`);
    return { ...done, checkQuota: started, reason: null };
  } catch (failure) {
    // The failed turn is recorded; the next timer tick runs check-quota anyway.
    return skip(base, `starting check-quota failed: ${errorMessage(failure)}; the timer runs it`, done);
  }
}

export function render(result: HookStopFailureResult, style: Style): string {
  if (!result.written) return style.dim(`nothing recorded: ${result.reason}`);
  const started = result.checkQuota;
  const how = started === null ? '' : started.via === 'systemd-run' ? `; check-quota started (unit ${started.unit})` : `; check-quota started (pid ${started.pid}, log ${started.log})`;
  return `${result.session}: turn failed (${result.error}), recorded in ${result.signal}${how}${result.reason ? style.yellow(`; ${result.reason}`) : ''}`;
}
