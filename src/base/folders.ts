import { readdir } from 'node:fs/promises';
import { errnoCode } from './core/errors.js';

/** Why a folder that is not there reads as empty. Anything else (EACCES, EIO…) is a real failure and throws. */
const ABSENT = ['ENOENT', 'ENOTDIR'] as const;

/**
 * The names in `dir`, or none when the folder does not exist (yet): an inbox never created, a `done/` before the first
 * finished task, a home without `sessions/`. `alsoAbsent` widens that for folders owned by another program whose
 * permissions are not ours to judge (Claude Code's registry).
 */
export async function readFolder(dir: string, alsoAbsent: readonly string[] = []): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = errnoCode(error) ?? '';
    if ((ABSENT as readonly string[]).includes(code) || alsoAbsent.includes(code)) return [];
    throw error;
  }
}
