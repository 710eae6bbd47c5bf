import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileExclusive } from '../base/fs-atomic.js';
import { errnoCode, errorMessage } from '../base/core/errors.js';
import type { SessionRecord } from '../base/core/state.js';
import { isUuid } from '../base/core/uuid.js';
import type { Context } from '../context.js';

/**
 * The conversation a session keeps for later: `<resume_dir>/<session>-resume-id.txt` (the file older tooling kept,
 * written by a swap or an undone launch) and the reservation that ties it to one pending task.
 */

export const resumeFilePath = (ctx: Context, session: string) => join(ctx.paths.resumeDir, `${session}-resume-id.txt`);

/** The resume id saved for a session (by a swap or older tooling), validated; an invalid file is removed. */
export async function readResumeFile(ctx: Context, session: string): Promise<string | null> {
  const path = resumeFilePath(ctx, session);
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).slice(0, 200).trim();
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    ctx.log.warn(`${path}: cannot read (${errorMessage(error)}); starting without --resume`);
    return null;
  }
  if (isUuid(text)) return text.toLowerCase();
  ctx.log.warn(`${path} does not hold a session UUID; removed, starting ${session} without --resume`);
  await rm(path, { force: true });
  return null;
}

/** Puts a consumed resume id back for the next launch (never over a newer file). */
async function restoreResumeFile(ctx: Context, session: string, resumeId: string): Promise<void> {
  try {
    await writeFileExclusive(resumeFilePath(ctx, session), resumeId + '\n', 0o600);
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') ctx.log.warn(`${session}: could not restore its resume id: ${errorMessage(error)}`);
  }
}

/**
 * A launch was undone or failed, and its task is pending again at `pendingPath`: the conversation taken for it goes
 * back to the resume file AND stays reserved for that task in the session's (idle) `record`. A resume file without
 * the reservation would let the next dispatch type an unrelated task into that conversation. Without an id, or with
 * the task gone to failed/ (`pendingPath` null), the id is dropped.
 */
export async function keepConversation(
  ctx: Context,
  record: SessionRecord,
  session: string,
  resumeId: string | null,
  pendingPath: string | null,
): Promise<void> {
  if (resumeId === null || pendingPath === null) return;
  await restoreResumeFile(ctx, session, resumeId);
  record.resumeFor = pendingPath;
}
