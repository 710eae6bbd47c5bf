import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../base/core/errors.js';
import type { Context } from '../context.js';

/** `<state_dir>/signals/<session>.done`: written by the Stop hook (`hook stop`), read and removed by reconcile. */
export const signalPath = (ctx: Pick<Context, 'paths'>, session: string) => join(ctx.paths.signalsDir, `${session}.done`);

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
