import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readlink, realpath, rename, stat, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Config } from '../base/core/config.js';
import { readFolder } from '../base/folders.js';
import { ExitCode, FailoverError, errnoCode, errorMessage, unreachable } from '../base/core/errors.js';
import type { PathFact, SharedStateFacts, SymlinkFix } from './core/symlinks.js';
import { failpoint } from '../base/failpoint.js';
import { fsyncDir } from '../base/fs-atomic.js';

/** The edge of the shared-state contract: observe links and directories, apply the safe fixes, flip links atomically. */

/** Where `path` really leads (links resolved), or null when it leads nowhere (missing, dangling, unreadable). */
export async function realOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null;
  }
}

function unreadable(error: unknown): PathFact {
  return { kind: 'unreadable', message: errnoCode(error) ?? errorMessage(error) };
}

/** What is at `path` itself (a link is reported as a link, not followed). */
export async function inspectLinkPath(path: string): Promise<PathFact> {
  try {
    const info = await lstat(path);
    if (info.isSymbolicLink()) return { kind: 'symlink', target: await readlink(path), real: await realOrNull(path) };
    if (info.isDirectory()) return { kind: 'directory', real: await realOrNull(path) };
    return info.isFile() ? { kind: 'file' } : { kind: 'other' };
  } catch (error) {
    const code = errnoCode(error);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { kind: 'missing' } : unreadable(error);
  }
}

/** What `path` ends up being once links are followed (a home or a shared dir may live elsewhere). */
export async function inspectDirPath(path: string): Promise<PathFact> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return { kind: 'directory', real: await realOrNull(path) };
    return info.isFile() ? { kind: 'file' } : { kind: 'other' };
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A dangling link is not "missing": creating a directory there would go wherever the link points.
      const own = await inspectLinkPath(path);
      return own.kind === 'symlink' ? own : { kind: 'missing' };
    }
    return unreadable(error);
  }
}

/** Every fact the planner needs, for every home and entry, gathered in one pass. */
export async function observeSharedState(config: Pick<Config, 'accounts' | 'shared' | 'activeLink'>): Promise<SharedStateFacts> {
  const { root, entries } = config.shared;
  const [targets, homes, activeFact] = await Promise.all([
    Promise.all(entries.map(async (entry) => [entry, await inspectDirPath(join(root, entry))] as const)),
    Promise.all(
      config.accounts.map(async (account) => ({
        account: account.name,
        home: account.home,
        fact: await inspectDirPath(account.home),
        links: Object.fromEntries(await Promise.all(entries.map(async (entry) => [entry, await inspectLinkPath(join(account.home, entry))] as const))),
      })),
    ),
    inspectLinkPath(config.activeLink),
  ]);
  return { root, targets: Object.fromEntries(targets), homes, activeLink: { path: config.activeLink, fact: activeFact } };
}

export type FixOutcome = SymlinkFix & { ok: boolean; error: string | null };

/**
 * Applies the planned fixes: shared directories (mode 0700: transcripts are private) and missing links. A link is
 * created with plain symlink(2), which fails if anything appeared at the path meanwhile, so a file or directory that
 * turned up after the check is never replaced.
 */
export async function applySymlinkFixes(fixes: SymlinkFix[]): Promise<FixOutcome[]> {
  const outcomes: FixOutcome[] = [];
  for (const fix of fixes) {
    try {
      if (fix.kind === 'mkdir') {
        await mkdir(fix.path, { recursive: true, mode: 0o700 });
        await fsyncDir(dirname(fix.path));
        failpoint('validate-symlinks:after-mkdir');
      } else {
        await symlink(fix.target, fix.path);
        await fsyncDir(dirname(fix.path));
        failpoint('validate-symlinks:after-link');
      }
      outcomes.push({ ...fix, ok: true, error: null });
    } catch (error) {
      const reason = errnoCode(error) === 'EEXIST' ? 'something appeared there meanwhile; left untouched' : errorMessage(error);
      outcomes.push({ ...fix, ok: false, error: reason });
    }
  }
  return outcomes;
}

export type ActiveLink =
  | { kind: 'missing'; path: string }
  /** `target` as written; `resolved` is it read against the link's directory. */
  | { kind: 'symlink'; path: string; target: string; resolved: string }
  | { kind: 'directory' | 'file' | 'other'; path: string };

/** What the active link (`~/.claude`) is now. */
export async function readActiveLink(path: string): Promise<ActiveLink> {
  const fact = await inspectLinkPath(path);
  switch (fact.kind) {
    case 'missing':
      return { kind: 'missing', path };
    case 'symlink':
      return { kind: 'symlink', path, target: fact.target, resolved: resolve(dirname(path), fact.target) };
    case 'directory':
    case 'file':
    case 'other':
      return { kind: fact.kind, path };
    case 'unreadable':
      throw new FailoverError(ExitCode.failed, 'active-link', `cannot inspect the active link ${path}: ${fact.message}`);
    default:
      return unreachable(fact, 'path fact');
  }
}

/** A real directory where the active link belongs is never moved or replaced by the tool. */
export function needsMigrationError(path: string, kind: string): FailoverError {
  return new FailoverError(ExitCode.failed, 'needs-migration', `${path} is a real ${kind === 'directory' ? 'directory' : 'file'}, not a symlink to an account home: it needs migration`, {
    hint: `move it to an account home (e.g. mv ${path} ~/.claude-main), list that home under accounts: in the config, then run swap-account --to <name>`,
  });
}

/** The active link's target, or null when missing; a real directory or file there is a needs-migration error. */
export async function requireActiveLink(path: string): Promise<Extract<ActiveLink, { kind: 'symlink' | 'missing' }>> {
  const link = await readActiveLink(path);
  if (link.kind === 'symlink' || link.kind === 'missing') return link;
  throw needsMigrationError(path, link.kind);
}

const TEMP_SUFFIX = '.tmp-link';

/**
 * Points `linkPath` at `target` atomically: a temp symlink in the same directory, renamed over the old
 * link, then the directory fsynced. At every instant the path is either the old link or the new one, never absent
 * (unlike `ln -sfn`, which unlinks first). Refuses to replace anything that is not a symlink.
 */
export async function replaceSymlinkAtomic(linkPath: string, target: string): Promise<void> {
  const current = await inspectLinkPath(linkPath);
  if (current.kind === 'directory' || current.kind === 'file' || current.kind === 'other') throw needsMigrationError(linkPath, current.kind);
  if (current.kind === 'unreadable') throw new FailoverError(ExitCode.failed, 'symlink', `cannot inspect ${linkPath}: ${current.message}`);
  const dir = dirname(linkPath);
  await removeStaleTempLinks(linkPath);
  const temp = join(dir, `.${basename(linkPath)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`);
  try {
    await symlink(target, temp);
    failpoint('symlink-replace:after-temp-link');
    // rename(2) over a directory fails (EISDIR/ENOTEMPTY) instead of replacing it: a race cannot clobber a real dir.
    await rename(temp, linkPath);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new FailoverError(ExitCode.failed, 'symlink', `could not point ${linkPath} at ${target}: ${errorMessage(error)}`, { cause: error });
  }
  await fsyncDir(dir);
}

/** Temp links left by a run killed between creating and renaming them (only ours: by name, and only symlinks). */
async function removeStaleTempLinks(linkPath: string): Promise<void> {
  const dir = dirname(linkPath);
  const prefix = `.${basename(linkPath)}.`;
  for (const name of await readFolder(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    const path = join(dir, name);
    if ((await inspectLinkPath(path)).kind === 'symlink') await unlink(path).catch(() => undefined);
  }
}
