import { pollUntil } from '../base/clock.js';
import { errorMessage } from '../base/core/errors.js';
import { claudeRunning, isShellCommand, readPane } from '../claude-code/core/screen.js';
import type { Context } from '../context.js';

/** How a pool session is made clean again after a task: `/exit` when Claude Code leaves, else a fresh session. */

/** A pool session is disposable: killed (if there) and created fresh, at the operator's home. */
export async function recreateSession(ctx: Context, name: string): Promise<void> {
  await ctx.tmux.killSession(name);
  await ctx.tmux.newSession(name, { cwd: ctx.home });
}

/** How long `/exit` gets before the session is recreated instead. */
const EXIT_TIMEOUT_MS = 5000;

/**
 * Ends Claude Code in a pool session with `/exit` (the session stays, at its shell, with the resume hint on
 * screen). If Claude Code does not leave in time, the session is recreated: a pool session must come back clean.
 */
export async function exitClaude(ctx: Context, name: string): Promise<'exited' | 'recreated'> {
  try {
    // Never with `reset`: a blanked screen has no input box, which the poll below would take for Claude Code gone.
    await ctx.tmux.sendLine(name, '/exit');
    const left = await pollUntil(ctx.clock, EXIT_TIMEOUT_MS, 150, async () => {
      const pane = (await ctx.tmux.inspectMany([name])).get(name);
      if (!pane) return undefined;
      return claudeRunning(readPane(pane.text), isShellCommand(pane.command)) ? undefined : true;
    });
    if (left) return 'exited';
  } catch (error) {
    ctx.log.debug(`${name}: /exit failed (${errorMessage(error)}); recreating the session`);
  }
  await recreateSession(ctx, name);
  return 'recreated';
}
