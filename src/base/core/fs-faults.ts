/**
 * What an operator reads when a folder refuses a write: each errno code of a full, read-only or foreign
 * filesystem in words, with what to do about it. The one place these codes become messages; the edges that write
 * (atomic files, the state, the lock, the queue's claims, the swap) and the CLI's last resort all come here, so a
 * full disk never reads as `unexpected failure: ENOSPC … write`. Pure.
 */

import { dirname } from 'node:path';
import { ExitCode, FailoverError, errnoCode } from './errors.js';

interface FaultWords {
  /** The `--json` error code. */
  tag: string;
  words: string;
  /** What to do, for the folder the write went to. */
  fix: (dir: string) => string;
}

export const FS_FAULTS = {
  ENOSPC: { tag: 'disk-full', words: 'no space left on the device', fix: (dir) => `free space on the filesystem of ${dir} (\`df -h ${dir}\`)` },
  EDQUOT: { tag: 'disk-full', words: 'the disk quota is used up', fix: (dir) => `free space under this user's quota on the filesystem of ${dir} (\`quota -s\`), or raise the quota` },
  EROFS: {
    tag: 'read-only',
    words: 'the filesystem is read-only',
    fix: (dir) => `make the filesystem of ${dir} writable again (\`findmnt -T ${dir}\`; \`mount -o remount,rw\` once its cause is fixed), or point the setting at a writable folder`,
  },
  EACCES: { tag: 'permission-denied', words: 'permission denied', fix: (dir) => `give this user write access to ${dir} (\`ls -ld ${dir}\`)` },
  EPERM: { tag: 'permission-denied', words: 'operation not permitted', fix: (dir) => `give this user write access to ${dir} (\`ls -ld ${dir}\`; an immutable or append-only flag shows in \`lsattr -d ${dir}\`)` },
  EIO: { tag: 'io-error', words: 'input/output error (the disk may be failing)', fix: (dir) => `check the disk holding ${dir} (\`dmesg\`), then free or move the folder` },
} as const satisfies Record<string, FaultWords>;

export type FsFaultCode = keyof typeof FS_FAULTS;

const isFaultCode = (code: string | undefined): code is FsFaultCode => code !== undefined && Object.hasOwn(FS_FAULTS, code);

/** The fault code of a system error, or of the system error a FailoverError made of one carries as its cause. */
export function fsFaultCode(error: unknown): FsFaultCode | null {
  const code = errnoCode(error);
  if (isFaultCode(code)) return code;
  if (error instanceof FailoverError) {
    const cause = errnoCode(error.cause);
    if (isFaultCode(cause)) return cause;
  }
  return null;
}

/** `the filesystem is read-only (EROFS)`, or null when the error is no filesystem fault. */
export function faultWords(error: unknown): string | null {
  const code = fsFaultCode(error);
  return code === null ? null : `${FS_FAULTS[code].words} (${code})`;
}

/** What to do about the fault for a write that went to `dir`, or null when the error is no filesystem fault. */
export function faultFix(error: unknown, dir: string): string | null {
  const code = fsFaultCode(error);
  return code === null ? null : FS_FAULTS[code].fix(dir);
}

/**
 * `cannot <doing> <path>: <words> (<CODE>)` with the fix for the folder of `path` (the folder itself when `path` is
 * one: `isDir`), then `next`; null when the error is no filesystem fault (the caller keeps it as it is).
 */
export function fsFault(error: unknown, doing: string, path: string, options: { isDir?: boolean; next?: string } = {}): FailoverError | null {
  const code = fsFaultCode(error);
  if (code === null) return null;
  // Already turned into words by a lower layer: that one named the exact path.
  if (error instanceof FailoverError) return error;
  const dir = options.isDir ? path : dirname(path);
  const fault = FS_FAULTS[code];
  const next = options.next ?? 'run the command again';
  return new FailoverError(ExitCode.failed, fault.tag, `cannot ${doing} ${path}: ${fault.words} (${code})`, { hint: `${fault.fix(dir)}; then ${next}`, cause: error });
}

/** Node's words for the system call that failed, as a verb an operator reads. */
const SYSCALL_VERBS: Readonly<Record<string, string>> = {
  open: 'open', write: 'write', mkdir: 'create the folder', rename: 'rename', link: 'link', unlink: 'remove',
  symlink: 'create the link', rmdir: 'remove the folder', fsync: 'sync', copyfile: 'copy', ftruncate: 'truncate',
};

/**
 * The CLI's last resort for a filesystem fault that reached it as a plain system error: the path Node reports
 * (`error.path`), else the words alone with where to look.
 */
export function systemFault(error: unknown): FailoverError | null {
  if (error instanceof FailoverError) return null;
  const code = fsFaultCode(error);
  if (code === null) return null;
  const { path, syscall } = error as { path?: unknown; syscall?: unknown };
  const verb = typeof syscall === 'string' ? SYSCALL_VERBS[syscall] ?? syscall : 'write';
  if (typeof path === 'string' && path !== '') return fsFault(error, verb, path, { isDir: syscall === 'mkdir' || syscall === 'rmdir' });
  const fault = FS_FAULTS[code];
  return new FailoverError(ExitCode.failed, fault.tag, `cannot ${verb} a file (its path was not reported): ${fault.words} (${code})`, {
    hint: 'check the free space, the mounts and the permissions of state_dir, resume_dir, the projects\' .agent-queue folders and the account homes (`df -h`, `findmnt`); then run the command again',
    cause: error,
  });
}
