/**
 * What `init` finds on the machine: account homes, the active link, tmux sessions (what runs in each, where), Claude
 * Code's registries, and projects with a queue. Read-only, bounded (a fixed depth and count of folders), and nothing
 * of a credentials file but its expiry fields.
 */

import { constants } from 'node:fs';
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { readActiveLink } from '../accounts/symlinks.js';
import { errorMessage } from '../base/core/errors.js';
import { QUEUE_DIR } from '../queue/files.js';
import { readRegistry, type RegistryEntry } from '../claude-code/registry.js';
import type { Tmux } from '../sessions/tmux.js';
import { readCredentials } from './account-health.js';
import type { HomeCandidate, MachineFacts, SessionFact } from './core/init-plan.js';

const isDirectory = async (path: string) => (await stat(path).catch(() => null))?.isDirectory() ?? false;
const exists = async (path: string) => (await stat(path).catch(() => null)) !== null;

async function homeCandidate(path: string): Promise<HomeCandidate | null> {
  if (!(await isDirectory(path))) return null;
  const [credentials, claudeJson, projectsReal] = await Promise.all([
    readCredentials(path),
    exists(join(path, '.claude.json')),
    realpath(join(path, 'projects')).catch(() => null),
  ]);
  // A folder without either file is not an account home: the shared root, the resume dir, a backup.
  if (!credentials.present && !claudeJson) return null;
  return { path, real: await realpath(path).catch(() => path), credentials, projectsReal };
}

/** `~/.claude-*` folders, and the target of the active link wherever it lives. */
async function findHomes(home: string, activeTarget: string | null): Promise<HomeCandidate[]> {
  const names = (await readdir(home).catch(() => [] as string[])).filter((n) => n.startsWith('.claude-')).sort();
  const paths = names.map((n) => join(home, n));
  if (activeTarget !== null && !paths.includes(activeTarget)) paths.push(activeTarget);
  const found: HomeCandidate[] = [];
  for (const path of paths) {
    const candidate = await homeCandidate(path);
    // The same folder reached twice (`~/.claude-x` and a link to it) is one home.
    if (candidate && !found.some((f) => f.real === candidate.real)) found.push(candidate);
  }
  return found;
}

/** The parent pid of `pid` from /proc (Linux); null when it cannot be read. */
async function parentOf(pid: number): Promise<number | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so read after the last `)`.
  const ppid = text === null ? NaN : Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isInteger(ppid) && ppid > 0 ? ppid : null;
}

/** The tmux session whose pane shell `pid` descends from; a bounded walk up the process tree. */
async function sessionByAncestry(pid: number, panes: ReadonlyMap<number, string>): Promise<string | null> {
  let current: number | null = pid;
  for (let step = 0; step < 64 && current !== null && current > 1; step++) {
    const session = panes.get(current);
    if (session !== undefined) return session;
    current = await parentOf(current);
  }
  return null;
}

async function findSessions(tmux: Tmux, homes: readonly HomeCandidate[], warnings: string[]): Promise<SessionFact[] | null> {
  let names: string[];
  try {
    names = await tmux.listSessions();
  } catch (error) {
    warnings.push(`${tmux.label}: ${errorMessage(error)}; no sessions were looked at`);
    return null;
  }
  const sessions: SessionFact[] = [];
  for (const name of names) {
    try {
      // Spaces, not tabs: outside a UTF-8 locale tmux prints a tab as `_`. The pid has no space, the command rarely
      // one, and the path (last) takes the rest; a path tmux had to mangle (non-ASCII there) names no folder: dropped.
      const line = await tmux.displayMessage(`=${name}:`, '#{pane_pid} #{pane_current_command} #{pane_current_path}');
      const [, pid = '', command = '', path = ''] = /^(\d*) (\S*) ?(.*)$/.exec(line) ?? [];
      sessions.push({ name, paneCommand: command || null, panePath: path !== '' && (await isDirectory(path)) ? path : null, panePid: Number(pid) || null, registry: null });
    } catch {
      // Gone since the listing: nothing to say about it.
    }
  }
  const panes = new Map(sessions.filter((s) => s.panePid !== null).map((s) => [s.panePid as number, s.name]));
  const entries: RegistryEntry[] = (await Promise.all(homes.map((h) => readRegistry(h.path)))).flat();
  for (const entry of entries) {
    // The `tmux` field where the release writes it; process ancestry (the entry's pid descends from the pane's shell) otherwise.
    const name = entry.tmuxSession ?? (await sessionByAncestry(entry.pid, panes));
    const session = sessions.find((s) => s.name === name);
    if (session && session.registry === null) session.registry = { home: entry.home, cwd: entry.cwd };
  }
  return sessions;
}

const SKIPPED_FOLDERS = new Set(['node_modules', 'snap', 'go', 'Library']);
/** Folders looked into below HOME, at most: enough for `~/src/*` layouts, bounded for a home with a huge tree. */
const MAX_FOLDERS_SCANNED = 5000;

/**
 * Folders holding an `.agent-queue/`: where sessions run, and HOME's children and grandchildren (`~/src/app`),
 * hidden folders and dependency trees skipped.
 */
async function findProjects(home: string, hints: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const check = async (dir: string) => {
    if (await isDirectory(join(dir, QUEUE_DIR))) found.add(dir);
  };
  for (const hint of hints) await check(hint);
  let scanned = 0;
  let level = [home];
  for (let depth = 0; depth < 2 && scanned < MAX_FOLDERS_SCANNED; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (scanned >= MAX_FOLDERS_SCANNED) break;
        if (!entry.isDirectory() || entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
        scanned += 1;
        const path = join(dir, entry.name);
        await check(path);
        next.push(path);
      }
    }
    level = next;
  }
  return [...found].sort();
}

async function onPath(command: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/'))) {
    const candidate = join(dir, command);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return null;
}

export async function discoverMachine(options: { home: string; env: NodeJS.ProcessEnv; activeLink: string; tmux: Tmux }): Promise<MachineFacts> {
  const warnings: string[] = [];
  const link = await readActiveLink(options.activeLink).catch((error: unknown) => {
    warnings.push(errorMessage(error));
    return { kind: 'missing' as const, path: options.activeLink };
  });
  const linkReal = link.kind === 'symlink' ? await realpath(link.resolved).catch(() => link.resolved) : null;
  const homes = await findHomes(options.home, link.kind === 'symlink' ? link.resolved : null);
  const sessions = await findSessions(options.tmux, homes, warnings);
  const hints = (sessions ?? []).flatMap((s) => [s.registry?.cwd, s.panePath].filter((p): p is string => typeof p === 'string'));
  return {
    home: options.home,
    activeLink: { path: options.activeLink, kind: link.kind, target: link.kind === 'symlink' ? link.resolved : null, real: linkReal },
    homes,
    sessions,
    tmuxLabel: options.tmux.label,
    projects: await findProjects(options.home, hints),
    claudeOnPath: await onPath('claude', options.env),
    warnings,
  };
}
