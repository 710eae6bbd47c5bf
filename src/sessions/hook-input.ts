import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { isPoolSessionName } from '../base/core/config.js';
import { insideAny } from '../claude-code/core/hook-payload.js';
import { errorMessage } from '../base/core/errors.js';
import type { BaseContext, Context } from '../context.js';
import { createTmux, socketPathFromTmuxEnv } from './tmux.js';

/**
 * What every Claude Code hook of the tool starts with: the hook JSON on stdin, read within bounds (Claude Code waits
 * for its hooks, and a hook run by hand may have a terminal or a pipe that never closes on stdin), and the tmux
 * session of the pane the hook runs in (`$TMUX_PANE` on the server `$TMUX` names), which must be one of ours.
 */

export const MAX_HOOK_INPUT_BYTES = 64 * 1024;
const INPUT_TIMEOUT_MS = 2000;
const TMUX_TIMEOUT_MS = 2000;

/** Reads at most `maxBytes`, for at most 2 s; a terminal on stdin (a manual run) is not read. */
export function readBounded(input: NodeJS.ReadableStream | undefined, maxBytes = MAX_HOOK_INPUT_BYTES): Promise<{ text: string; truncated: boolean }> {
  if (!input || (input as { isTTY?: boolean }).isTTY) return Promise.resolve({ text: '', truncated: false });
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
      resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated: size > maxBytes });
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buffer.subarray(0, Math.max(0, maxBytes - size)));
      size += buffer.length;
      if (size > maxBytes) finish();
    };
    const timer = setTimeout(finish, INPUT_TIMEOUT_MS);
    input.on('data', onData);
    input.once('end', finish);
    input.once('error', finish);
  });
}

export type PaneSession = { ok: true; session: string; pane: string; kind: 'pool' | 'dedicated' } | { ok: false; reason: string; session: string | null };

/** The configured pool or dedicated session whose pane runs this hook, or why there is none. */
export async function paneSession(base: BaseContext, ctx: Context): Promise<PaneSession> {
  const pane = base.env.TMUX_PANE;
  if (!pane || !/^%\d+$/.test(pane)) return { ok: false, reason: 'not running inside a tmux pane ($TMUX_PANE is not set)', session: null };
  const socketPath = socketPathFromTmuxEnv(base.env.TMUX);
  const tmux = createTmux({ socket: ctx.config.tmux.socket, socketPath, env: base.env, timeoutMs: TMUX_TIMEOUT_MS });
  let session: string;
  try {
    session = await tmux.displayMessage(pane, '#{session_name}');
  } catch (error) {
    return { ok: false, reason: `cannot find the tmux session of pane ${pane}: ${errorMessage(error)}`, session: null };
  }
  if (ctx.config.pool.dedicated.some((d) => d.session === session)) return { ok: true, session, pane, kind: 'dedicated' };
  if (isPoolSessionName(session, ctx.config.pool.autonomous)) return { ok: true, session, pane, kind: 'pool' };
  return { ok: false, reason: `tmux session ${JSON.stringify(session)} is neither a pool nor a dedicated session`, session };
}

/**
 * Why a payload's transcript path is not one of ours, or null when it is (or when the payload names none): it must be
 * an existing file inside one of the account homes' `projects/` folders (the shared one included), symlinks
 * resolved. A payload naming any other file is not Claude Code's, and readers of a signal must never be pointed
 * elsewhere.
 */
export async function transcriptProblem(ctx: Context, transcriptPath: string | null): Promise<string | null> {
  if (transcriptPath === null) return null;
  const real = await realpath(transcriptPath).catch(() => null);
  if (real === null) return `transcript ${transcriptPath} does not exist`;
  const folders = [...ctx.config.accounts.map((a) => a.home), ctx.config.shared.root].map((dir) => realpath(join(dir, 'projects')).catch(() => null));
  const roots = (await Promise.all(folders)).filter((dir): dir is string => dir !== null);
  return insideAny(real, roots) ? null : `transcript ${transcriptPath} is not in the projects folder of any account home`;
}
