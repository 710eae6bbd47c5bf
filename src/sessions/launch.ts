/**
 * Starting one task in one pool session: a clean pane, `cd` + Claude Code with the active home, wait
 * for its input prompt, bracketed paste of the message, a short pause, a lone Enter, then proof it was taken.
 */

import { failpoint } from '../base/failpoint.js';
import type { PaneBatcher } from './pane-batcher.js';
import { errorMessage } from '../base/core/errors.js';
import { launchCommandLine, sanitizeMessage, type LaunchSpec } from '../claude-code/core/launch.js';
import { isAtPrompt, readPane, type PaneReading } from '../claude-code/core/screen.js';
import type { Context } from '../context.js';
import { pollUntil } from '../base/clock.js';

export interface LaunchRequest extends LaunchSpec {
  session: string;
  message: string;
}

export type LaunchOutcome =
  | { ok: true; submittedAt: string }
  /** `noConversation`: the resume id is unknown to this home, so it must not be restored for a retry. */
  | { ok: false; reason: string; noConversation: boolean };

const POLL_MS = 100;
/** Claude Code needs a moment after a paste before Enter submits it rather than becoming part of it. */
export const PASTE_SETTLE_MS = 500;
const SUBMIT_CHECK_MS = 5000;
/**
 * How long a paste may take to show in the input box. A release that has just resumed a long conversation (2.1.100
 * takes tens of seconds on a busy machine) draws it late; giving up early would cost the task an attempt.
 */
const PASTE_SHOWN_MS = 10_000;

/** Parallel launches share one batcher: their pane polls become one tmux call per beat. */
export async function launch(ctx: Context, request: LaunchRequest, panes: PaneBatcher): Promise<LaunchOutcome> {
  const { session } = request;
  const began = ctx.clock.monotonicMs();
  const step = (what: string) => ctx.log.debug(`${session}: ${what} after ${Math.round(ctx.clock.monotonicMs() - began)} ms`);
  const look = async () => {
    const pane = await panes.read(session);
    if (pane === null) throw new Error(`tmux session ${session} vanished during the launch`);
    return readPane(pane.text);
  };
  try {
    // Old screens (a previous run's prompt box) must not be mistaken for the new Claude Code's prompt.
    await ctx.tmux.sendLine(session, launchCommandLine(request), { reset: true });
    failpoint('dispatch:after-launch-command');

    const ready = await pollUntil<PaneReading>(ctx.clock, ctx.config.dispatch.promptTimeoutMs, POLL_MS, async () => {
      const reading = await look();
      return isAtPrompt(reading) || reading.noConversation || reading.permissionsRefused ? reading : undefined;
    });
    if (!ready) return failed(`Claude Code showed no input prompt within ${ctx.config.dispatch.promptTimeoutMs} ms`);
    step('prompt seen');
    if (ready.noConversation) return { ok: false, reason: `claude --resume ${request.conversation.id}: no conversation found under ${request.home}`, noConversation: true };
    if (ready.permissionsRefused) {
      return failed('Claude Code refused --dangerously-skip-permissions (running as root: set IS_SANDBOX=1 in the tmux environment)');
    }
    failpoint('dispatch:after-prompt');

    await ctx.tmux.paste(session, sanitizeMessage(request.message));
    const pastedAt = ctx.clock.monotonicMs();
    failpoint('dispatch:after-paste');
    const shown = await pollUntil(ctx.clock, PASTE_SHOWN_MS, POLL_MS, async () => ((await look()).input ? true : undefined));
    if (!shown) return failed('the pasted task never appeared in Claude Code\'s input box');
    step('paste shown');
    await ctx.clock.sleep(PASTE_SETTLE_MS - (ctx.clock.monotonicMs() - pastedAt));

    const submittedAt = ctx.clock.now().toISOString();
    await ctx.tmux.sendKeys(session, 'Enter');
    failpoint('dispatch:after-enter');
    if (await submitted(ctx, look)) {
      step('submitted');
      return { ok: true, submittedAt };
    }
    // One more Enter: a paste still being processed can swallow the first one.
    await ctx.tmux.sendKeys(session, 'Enter');
    if (await submitted(ctx, look)) return { ok: true, submittedAt };
    return failed('the task stayed in Claude Code\'s input box after Enter');
  } catch (error) {
    return failed(errorMessage(error));
  }
}

/** Taken = the input box emptied (or Claude Code went busy, or left the screen to a menu). */
async function submitted(ctx: Context, look: () => Promise<PaneReading>): Promise<boolean> {
  const taken = await pollUntil(ctx.clock, SUBMIT_CHECK_MS, 100, async () => {
    const reading = await look();
    return reading.busy || reading.input === '' || !reading.claudeUi ? true : undefined;
  });
  return taken === true;
}

function failed(reason: string): LaunchOutcome {
  return { ok: false, reason, noConversation: false };
}
