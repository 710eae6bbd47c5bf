import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/fs-atomic.js';
import { errnoCode } from '../base/core/errors.js';
import type { Context } from '../context.js';

/** `<state_dir>/signals/<session>.done`: written by the Stop hook (`hook stop`), read and removed by reconcile. */
export const signalPath = (ctx: Pick<Context, 'paths'>, session: string) => join(ctx.paths.signalsDir, `${session}.done`);

/** `<state_dir>/signals/<session>.failed`: written by the StopFailure hook (`hook stop-failure`) for a failed turn. */
export const failedSignalPath = (ctx: Pick<Context, 'paths'>, session: string) => join(ctx.paths.signalsDir, `${session}.failed`);

/** What `hook stop` records: the session whose turn ended, when, in which pane, and Claude Code's ids for it. */
export interface DoneSignal {
  session: string;
  /** ISO time the hook ran. */
  at: string;
  pane: string;
  sessionId: string | null;
  transcriptPath: string | null;
  cwd: string | null;
}

/** What `hook stop-failure` records: the same, plus the kind of API error and its message (bounded, printable). */
export interface FailedSignal extends DoneSignal {
  error: string;
  message: string | null;
}

async function writeSignal(ctx: Pick<Context, 'paths'>, path: string, signal: DoneSignal): Promise<string> {
  await mkdir(ctx.paths.signalsDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify(signal) + '\n', 0o600);
  return path;
}

/** Writes `<session>.done` atomically (a newer one replaces it); returns its path. */
export const writeDoneSignal = (ctx: Pick<Context, 'paths'>, signal: DoneSignal) => writeSignal(ctx, signalPath(ctx, signal.session), signal);

/** Writes `<session>.failed` atomically (the newest failed turn replaces an older one); returns its path. */
export const writeFailedSignal = (ctx: Pick<Context, 'paths'>, signal: FailedSignal) => writeSignal(ctx, failedSignalPath(ctx, signal.session), signal);

/** The signal's own `at` (written by `hook stop`); its mtime when the content is not ours. */
export async function readSignal(path: string): Promise<number | null> {
  try {
    const text = await readFile(path, 'utf8');
    try {
      const at = Date.parse(String((JSON.parse(text) as { at?: unknown }).at));
      if (!Number.isNaN(at)) return at;
    } catch {
      // Not JSON: fall back to the file time.
    }
    return (await stat(path)).mtimeMs;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/** What `hook stop-failure` recorded for a session: when, the error kind and message; null when none or unreadable. */
export async function readFailedSignal(path: string): Promise<{ atMs: number; error: string; message: string | null } | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const data = JSON.parse(text) as Partial<Record<keyof FailedSignal, unknown>>;
    const atMs = Date.parse(String(data.at));
    if (Number.isNaN(atMs) || typeof data.error !== 'string') return null;
    return { atMs, error: data.error, message: typeof data.message === 'string' ? data.message : null };
  } catch {
    // Not one of ours: no evidence.
    return null;
  }
}
