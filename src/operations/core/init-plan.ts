/**
 * What `init` makes of the machine it looked at (operations/init-discovery.ts): which folders are account homes and
 * in which order, which tmux sessions are the pool, which are an operator's Claude Code in a project (dedicated),
 * which are left alone, and which projects have a queue. Pure; the config text is rendered from it (init-config.ts).
 */

import { basename, dirname } from 'node:path';
import { hasControlCharacter } from '../../base/core/format.js';
import type { CredentialFacts } from './account-health.js';

export interface HomeCandidate {
  path: string;
  /** Where it really is (links followed). */
  real: string;
  credentials: CredentialFacts;
  /** Where `<home>/projects` leads (realpath), when it exists: a shared root already in use shows there. */
  projectsReal: string | null;
}

export interface SessionFact {
  name: string;
  /** The pane's foreground process (`claude`, `node`, `bash`…). */
  paneCommand: string | null;
  panePath: string | null;
  panePid: number | null;
  /** The live Claude Code registry entry matched to this session (tmux field or process ancestry). */
  registry: { home: string; cwd: string } | null;
}

export interface MachineFacts {
  home: string;
  activeLink: { path: string; kind: 'missing' | 'symlink' | 'directory' | 'file' | 'other'; target: string | null; real: string | null };
  homes: HomeCandidate[];
  /** Null when tmux could not be asked (missing, not answering). */
  sessions: SessionFact[] | null;
  tmuxLabel: string;
  projects: string[];
  /** Where `claude` is on PATH, if it is. */
  claudeOnPath: string | null;
  warnings: string[];
}

export interface PlannedAccount {
  name: string;
  home: string;
  active: boolean;
  credentialsPresent: boolean;
  loginExpiresAt: string | null;
}

export interface PlannedPool {
  prefix: string;
  startIndex: number;
  min: number;
  max: number;
  /** The sessions of the run found on the machine; empty when none was (the defaults are proposed). */
  running: string[];
}

export interface PlannedDedicated {
  session: string;
  project: string;
  /** How it was recognised: `registry` (Claude Code's session registry) or `pane` (the pane runs `claude`). */
  evidence: 'registry' | 'pane';
}

export interface InitPlan {
  accounts: PlannedAccount[];
  activeLink: string;
  sharedRoot: string;
  /** Whether the shared root was found in use (the homes' `projects` links) rather than proposed. */
  sharedRootInUse: boolean;
  pool: PlannedPool;
  dedicated: PlannedDedicated[];
  /** Projects with a queue that no dedicated session covers. */
  projects: string[];
  /** Sessions left alone, with why. */
  otherSessions: Array<{ session: string; why: string }>;
  claudeCommand: string | null;
  warnings: string[];
}

export const DEFAULT_POOL = { prefix: 'ccl-auto-', startIndex: 11, min: 10, max: 10 } as const;
const SESSION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
const ACCOUNT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** `~/.claude-main` → `main`; any other folder its own name, made a valid account name. */
export function accountNameOf(path: string): string {
  const base = path.replace(/\/+$/, '').split('/').pop() ?? '';
  const name = base.replace(/^\.claude-/, '').replace(/^\.+/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return name === '' ? 'account' : name;
}

function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((name) => {
    let candidate = name;
    for (let n = 2; seen.has(candidate); n++) candidate = `${name}-${n}`;
    seen.add(candidate);
    return candidate;
  });
}

/** `ccl-auto-11` → [`ccl-auto-`, 11]; names whose number has a leading zero are not pool names. */
function numbered(name: string): { prefix: string; n: number } | null {
  const match = /^(.*?[^0-9])(0|[1-9][0-9]*)$/.exec(name);
  if (!match || !SESSION_NAME.test(match[1] as string)) return null;
  return { prefix: match[1] as string, n: Number(match[2]) };
}

/**
 * The pool is a run of `<prefix><n>` sessions whose prefix says it is autonomous (`auto` in it, as `ccl-auto-`):
 * pool sessions are sent `/exit` and given queue tasks, so an operator's numbered sessions (`ccl-0` … `ccl-9`) must
 * never be taken for one on a guess. The largest such run wins; without one the defaults are proposed.
 */
function choosePool(sessions: readonly SessionFact[]): { pool: PlannedPool; otherRuns: Map<string, string> } {
  const runs = new Map<string, Array<{ name: string; n: number }>>();
  for (const session of sessions) {
    const parts = numbered(session.name);
    if (parts) runs.set(parts.prefix, [...(runs.get(parts.prefix) ?? []), { name: session.name, n: parts.n }]);
  }
  const autonomous = [...runs].filter(([prefix]) => /auto/i.test(prefix)).sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const otherRuns = new Map<string, string>();
  const chosen = autonomous[0];
  for (const [prefix, members] of runs) {
    if (prefix === chosen?.[0] || members.length < 2) continue;
    for (const member of members) otherRuns.set(member.name, `numbered like a pool (${prefix}<n>), but not named autonomous: left alone`);
  }
  if (!chosen) return { pool: { ...DEFAULT_POOL, running: [] }, otherRuns };
  const [prefix, members] = chosen;
  const numbers = members.map((m) => m.n);
  const startIndex = Math.min(...numbers);
  const max = Math.min(1000, Math.max(...numbers) - startIndex + 1);
  const running = members.filter((m) => m.n < startIndex + max).sort((a, b) => a.n - b.n).map((m) => m.name);
  return { pool: { prefix, startIndex, min: max, max, running }, otherRuns };
}

const usablePath = (path: string) => path.startsWith('/') && !hasControlCharacter(path);

export function planInit(facts: MachineFacts): InitPlan {
  const warnings = [...facts.warnings];
  const link = facts.activeLink;
  if (link.kind === 'directory' || link.kind === 'file' || link.kind === 'other') {
    warnings.push(`${link.path} is a real ${link.kind}, not a symlink to an account home: it needs migration (README "Upgrading") before any swap`);
  } else if (link.kind === 'symlink' && !facts.homes.some((h) => h.real === link.real)) {
    warnings.push(`${link.path} points at ${link.target}, which holds no Claude Code login: it is not taken as an account`);
  }
  const homes = facts.homes.filter((h) => usablePath(h.path));
  // Failover order: the active account first, then the others by folder name.
  const ordered = [...homes].sort((a, b) => Number(b.real === link.real) - Number(a.real === link.real) || (a.path < b.path ? -1 : 1));
  const names = uniqueNames(ordered.map((h) => accountNameOf(h.path)).map((n) => (ACCOUNT_NAME.test(n) ? n : 'account')));
  const accounts = ordered.map((h, i) => ({
    name: names[i] as string,
    home: h.path,
    active: link.real !== null && h.real === link.real,
    credentialsPresent: h.credentials.present,
    loginExpiresAt: h.credentials.expiresAt,
  }));
  for (const account of accounts) if (!account.credentialsPresent) warnings.push(`${account.home} has no .credentials.json: log in with CLAUDE_CONFIG_DIR=${account.home} claude`);

  // A shared root already in use: the folder every home's `projects` link leads into.
  const linked = homes.map((h) => h.projectsReal).filter((p): p is string => p !== null && basename(p) === 'projects' && homes.every((h2) => h2.real !== dirname(p)));
  const roots = [...new Set(linked.map((p) => dirname(p)))];
  const sharedRootInUse = roots.length === 1;
  const sharedRoot = sharedRootInUse ? (roots[0] as string) : `${facts.home.replace(/\/+$/, '')}/.claude-shared`;
  if (roots.length > 1) warnings.push(`the homes' projects/ lead to different folders (${roots.join(', ')}): shared.root is proposed as ${sharedRoot}; validate-symlinks reports each home that differs`);

  const sessions = facts.sessions ?? [];
  const { pool, otherRuns } = choosePool(sessions);
  const poolNames = new Set(pool.running);
  const dedicated: PlannedDedicated[] = [];
  const otherSessions: InitPlan['otherSessions'] = [];
  for (const session of sessions) {
    if (poolNames.has(session.name)) continue;
    const run = otherRuns.get(session.name);
    const project = session.registry?.cwd ?? (session.paneCommand === 'claude' ? session.panePath : null);
    if (run !== undefined) otherSessions.push({ session: session.name, why: run });
    else if (project === null) otherSessions.push({ session: session.name, why: 'no Claude Code runs there' });
    else if (!SESSION_NAME.test(session.name)) otherSessions.push({ session: session.name, why: 'its name cannot be a configured session (letters, digits, "_", "-")' });
    else if (!usablePath(project)) otherSessions.push({ session: session.name, why: `its folder ${JSON.stringify(project)} cannot be a project path` });
    else dedicated.push({ session: session.name, project, evidence: session.registry ? 'registry' : 'pane' });
  }
  const dedicatedProjects = new Set(dedicated.map((d) => d.project));
  return {
    accounts,
    activeLink: link.path,
    sharedRoot,
    sharedRootInUse,
    pool,
    dedicated,
    projects: facts.projects.filter((p) => !dedicatedProjects.has(p) && usablePath(p)),
    otherSessions,
    claudeCommand: facts.claudeOnPath,
    warnings,
  };
}
