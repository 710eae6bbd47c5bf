import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, readlinkSync } from 'node:fs';
import { link, lstat, mkdir, open, readlink, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode } from '../base/core/errors.js';
import { fsFault } from '../base/core/fs-faults.js';
import { hasFooter, renderFooter, type FooterFields, type Outcome } from './core/footer.js';
import { printable } from '../base/core/format.js';
import { MAX_TASK_BYTES, decodeTaskBytes } from './core/task.js';
import { isUnsafeName } from './core/task-name.js';
import { readFolder } from '../base/folders.js';
import { fsyncDir, writeFileExclusive } from '../base/fs-atomic.js';

/**
 * The task queue on disk: `<project>/.agent-queue/{inbox,done,failed}`. One task `T` is in exactly one
 * state at any instant, told by which files exist. Every move is a rename or a no-clobber link, never a copy.
 */

export const QUEUE_DIR = '.agent-queue';
export const MARKERS = ['.delegating', '.delegated', '.dispatched', '.local'] as const;
export type Marker = (typeof MARKERS)[number];

export interface InboxTask {
  project: string;
  /** The task file name, `T.md`. */
  name: string;
  /** `<inbox>/T.md` (may be absent when only a marker is left). */
  path: string;
  hasFile: boolean;
  /** `inbox/T.md.delegating`: a submission was started (intent with the idempotency key). */
  delegating: boolean;
  /** `inbox/T.md.delegated`: a job exists on the platform. */
  delegated: boolean;
  /** `inbox/T.md.dispatched`: claimed by a pool session. */
  dispatched: boolean;
  /** `inbox/T.md.local`: its submission to secutools failed for good; it runs locally (delegation/core/markers.ts). */
  local: boolean;
}

export interface InboxListing {
  project: string;
  inbox: string;
  exists: boolean;
  tasks: InboxTask[];
  /**
   * Task or marker files whose names have control characters or are not UTF-8 (core/task-name.ts), as Node decoded
   * them: never tasks, never printed raw; scan-inbox quarantines them by their raw bytes.
   */
  unsafeNames: string[];
}

export function queuePaths(project: string) {
  const root = join(project, QUEUE_DIR);
  return { root, inbox: join(root, 'inbox'), done: join(root, 'done'), failed: join(root, 'failed') };
}

/** Hidden files, editor and temp files, and anything that is not `*.md` or one of our markers are not tasks. */
function classify(fileName: string): { task: string; marker: Marker | null } | null {
  if (fileName.startsWith('.') || fileName.endsWith('~')) return null;
  if (fileName.endsWith('.md')) return { task: fileName, marker: null };
  for (const marker of MARKERS) {
    if (fileName.endsWith('.md' + marker)) return { task: fileName.slice(0, -marker.length), marker };
  }
  return null;
}

/**
 * Synchronous inside on purpose: a scan lists 50 inboxes of 200 entries in a one-shot process, and a thread-pool
 * round trip per inbox costs more than the listing itself.
 */
export async function listInbox(project: string): Promise<InboxListing> {
  const { inbox } = queuePaths(project);
  let entries;
  try {
    entries = readdirSync(inbox, { withFileTypes: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') return { project, inbox, exists: false, tasks: [], unsafeNames: [] };
    throw error;
  }
  const byName = new Map<string, InboxTask>();
  const unsafeNames: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) continue;
    const kind = classify(entry.name);
    if (!kind) continue;
    if (isUnsafeName(entry.name, kind.task)) {
      unsafeNames.push(entry.name);
      continue;
    }
    let task = byName.get(kind.task);
    if (!task) {
      task = { project, name: kind.task, path: `${inbox}/${kind.task}`, hasFile: false, delegating: false, delegated: false, dispatched: false, local: false };
      byName.set(kind.task, task);
    }
    if (kind.marker === null) task.hasFile = true;
    else task[kind.marker.slice(1) as 'delegating' | 'delegated' | 'dispatched' | 'local'] = true;
  }
  const tasks = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { project, inbox, exists: true, tasks, unsafeNames };
}

export type TaskRead =
  | { ok: true; text: string; size: number }
  | { ok: false; reason: string; gone?: true };

/** One buffer for every task read, one byte over the limit so an oversized file is recognised without a stat. */
const readBuffer = Buffer.allocUnsafe(MAX_TASK_BYTES + 1);

/**
 * Reads a task file without following symlinks (a link pointing elsewhere is refused, not read) and never more
 * than the size limit. Synchronous, into one reused buffer and without a stat: scan-inbox reads thousands of small
 * files in one short-lived process, and per-file promises, buffers and Stats objects cost more time and memory
 * than the reads themselves. A directory or FIFO is refused: by the read itself, or by a stat when
 * nothing could be read.
 */
export function readTaskFile(path: string): TaskRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') return { ok: false, reason: 'task file disappeared', gone: true };
    if (code === 'ELOOP') {
      let target = '?';
      try {
        target = readlinkSync(path);
      } catch {
        // Vanished meanwhile: the reason still says what it was.
      }
      return { ok: false, reason: `task file is a symlink (to ${printable(target)}); tasks must be regular files` };
    }
    // ENXIO: a socket (or a device without a driver) answers open() this way.
    if (code === 'ENXIO') return { ok: false, reason: 'task path is not a regular file' };
    return { ok: false, reason: `cannot open task file: ${code ?? String(error)}` };
  }
  let length = 0;
  try {
    for (let read = -1; read !== 0 && length < readBuffer.length; length += read) {
      read = readSync(fd, readBuffer, length, readBuffer.length - length, null);
    }
    // Nothing read: an empty file, or a FIFO without a writer. Only then is a stat worth its cost.
    if (length === 0 && !fstatSync(fd).isFile()) return { ok: false, reason: 'task path is not a regular file' };
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EISDIR' || code === 'EAGAIN' || code === 'EINVAL') return { ok: false, reason: 'task path is not a regular file' };
    return { ok: false, reason: `cannot read task file: ${code ?? String(error)}` };
  } finally {
    closeSync(fd);
  }
  if (length > MAX_TASK_BYTES) return { ok: false, reason: `task file is over the ${MAX_TASK_BYTES}-byte limit` };
  const decoded = decodeTaskBytes(readBuffer.subarray(0, length));
  if (!decoded.ok) return decoded;
  return { ok: true, text: decoded.text, size: length };
}

/**
 * Claims a pending task by renaming `T.md` to `T.md.dispatched` (atomic: a kill leaves one name or the other).
 * Returns the claimed path, or null when another run won the race (ENOENT): the loser simply moves on. A
 * `.dispatched` file already there (older tooling) is never overwritten: the task is left pending and reported.
 */
export async function claimTask(task: Pick<InboxTask, 'path'>): Promise<string | null> {
  const claimed = `${task.path}.dispatched`;
  const existing = await lstat(claimed).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  });
  if (existing) return null;
  try {
    await rename(task.path, claimed);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
  await fsyncDir(join(claimed, '..'));
  return claimed;
}

/** Puts a claimed task back to pending (`T.md.dispatched` → `T.md`), never over a new `T.md` that appeared since. */
export async function unclaimTask(claimedPath: string): Promise<string> {
  const pending = claimedPath.replace(/\.dispatched$/, '');
  try {
    await link(claimedPath, pending);
    await unlink(claimedPath);
    return pending;
  } catch (error) {
    if (errnoCode(error) !== 'EEXIST') throw error;
    // The pending name is this very file: an unclaim killed between link and unlink. Finish it, never copy it (a
    // second pending name would run the task twice).
    const [held, there] = await Promise.all([lstat(claimedPath), lstat(pending).catch(() => null)]);
    if (there?.ino === held.ino && there.dev === held.dev) {
      await unlink(claimedPath);
      return pending;
    }
    // A task of the same name arrived meanwhile: keep both, under a free name.
    const dir = join(pending, '..');
    const moved = await linkNoClobber(claimedPath, dir, basename(pending));
    await unlink(claimedPath);
    return moved;
  }
}

/**
 * Moves a task file into `done/` or `failed/` with a footer, never overwriting (a clash gets `-1`, `-2`...).
 * Crash-safe and idempotent: link → footer → unlink. If a previous run died after the link, the source still has a
 * second name in the destination; we find it by inode and finish the job instead of making a copy.
 * `source` may be the raw bytes of a name that is not UTF-8; `name` is then the printable name it gets.
 */
export async function moveWithFooter(source: string | Buffer, project: string, outcome: Outcome, fields: FooterFields, name?: string): Promise<string> {
  const destDir = queuePaths(project)[outcome];
  try {
    return await moveInto(destDir, source, outcome, fields, name);
  } catch (error) {
    throw fsFault(await unmasked(error, destDir), `move ${printable(source.toString())} to`, `${destDir}/`, { next: 'run reconcile again (the task stays claimed until then)' }) ?? error;
  }
}

/**
 * A recursive mkdir on a read-only filesystem answers ENOENT for a folder that is missing (it never gets to the
 * write that would say EROFS): one plain mkdir tells the real reason.
 */
async function unmasked(error: unknown, dir: string): Promise<unknown> {
  if (errnoCode(error) !== 'ENOENT' || (error as { syscall?: unknown }).syscall !== 'mkdir') return error;
  return mkdir(dir).then(() => error, (real: unknown) => real);
}

async function moveInto(destDir: string, source: string | Buffer, outcome: Outcome, fields: FooterFields, name?: string): Promise<string> {
  await mkdir(destDir, { recursive: true });
  const sourceText = source.toString();
  const taskName = name ?? basename(sourceText).replace(/\.md\.(dispatched|delegated|delegating)$/, '.md');
  const footer = renderFooter(outcome, fields);

  const info = await lstat(source);
  if (info.isSymbolicLink() || !info.isFile()) {
    // Never write through a link that points elsewhere, nor into a FIFO, socket or device (a write could block or
    // go anywhere): record it as a plain file and drop the entry.
    const what = info.isSymbolicLink() ? `a symlink to ${printable(await readlink(source))}; its target was not read` : 'not a regular file (a FIFO, socket or device); nothing was read from it';
    const dest = await createNoClobber(destDir, taskName, `(task file was ${what})` + footer);
    await unlink(source);
    return dest;
  }
  const resumed = info.nlink > 1 ? await findByInode(destDir, info.ino) : null;
  const dest = resumed ?? (await linkNoClobber(source, destDir, taskName));
  // Only a move resumed after a kill can already carry our footer; a fresh one always gets it, even when the task
  // text itself ends with something that looks like a footer (a forged one must not stand in for the reason).
  if (resumed) await appendFooterOnce(dest, footer);
  else await appendFooter(dest, footer);
  await unlink(source);
  await fsyncDir(dirname(sourceText));
  return dest;
}

/** The file with inode `ino` in `dir` (where a killed move already put a task), or null. */
export async function findByInode(dir: string, ino: number): Promise<string | null> {
  for (const name of await readFolder(dir)) {
    const info = await lstat(join(dir, name)).catch(() => null);
    if (info?.ino === ino && info.isFile()) return join(dir, name);
  }
  return null;
}

function candidateName(taskName: string, n: number): string {
  if (n === 0) return taskName;
  const stem = taskName.replace(/\.md$/, '');
  return `${stem}-${n}.md`;
}

const MAX_SUFFIX = 10_000;

/** Calls `create` with `T.md`, then `T-1.md`, `T-2.md`… until one does not fail with EEXIST: never overwrites. */
async function firstFreeName(destDir: string, taskName: string, create: (path: string) => Promise<void>): Promise<string> {
  for (let n = 0; n < MAX_SUFFIX; n++) {
    const dest = join(destDir, candidateName(taskName, n));
    try {
      await create(dest);
      return dest;
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw error;
    }
  }
  throw new Error(`no free name for ${taskName} in ${destDir}`);
}

const linkNoClobber = (source: string | Buffer, destDir: string, taskName: string) =>
  firstFreeName(destDir, taskName, async (dest) => {
    await link(source, dest);
    await fsyncDir(destDir);
  });

const createNoClobber = (destDir: string, taskName: string, content: string) =>
  firstFreeName(destDir, taskName, (dest) => writeFileExclusive(dest, content));

/** Appends the footer unless the file already ends with one of ours (a resumed move). */
async function appendFooterOnce(path: string, footer: string): Promise<void> {
  const handle = await open(path, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW);
  try {
    const { size } = await handle.stat();
    const tailSize = Math.min(size, 4096);
    const tail = Buffer.alloc(tailSize);
    await handle.read(tail, 0, tailSize, size - tailSize);
    if (hasFooter(tail.toString('utf8'))) return;
    await handle.appendFile(footer);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function appendFooter(path: string, footer: string): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
  try {
    await handle.appendFile(footer);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file next to a finished task (e.g. `done/T.result.md`) under a name that clashes with nothing. */
export async function writeBeside(finishedTask: string, suffix: string, content: string): Promise<string> {
  const dir = join(finishedTask, '..');
  const name = basename(finishedTask).replace(/\.md$/, suffix);
  return createNoClobber(dir, name, content);
}
