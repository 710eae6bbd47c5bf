import { unreachable } from '../../base/core/errors.js';
import { dirname, join, resolve } from 'node:path';
import type { Account, Config } from '../../base/core/config.js';

/**
 * The shared-state contract: every account home exposes each of `shared.entries` as a symlink to
 * `<shared.root>/<entry>`, so a conversation started under one account resumes under another with its transcript and
 * undo history. This module plans, from observed facts, every problem and the fixes that are safe; the adapter
 * (accounts/symlinks.ts) observes and applies. Pure (node:path only does string work).
 */

/** What is at a path. For links it is what `lstat` sees; for directories that may be reached through a link, `stat`. */
export type PathFact =
  | { kind: 'missing' }
  /** `target` as written in the link; `real` is where it ends up (realpath), null when it dangles. */
  | { kind: 'symlink'; target: string; real: string | null }
  | { kind: 'directory'; real: string | null }
  | { kind: 'file' }
  | { kind: 'other' }
  | { kind: 'unreadable'; message: string };

export interface HomeFacts {
  account: string;
  home: string;
  /** The home itself (followed if it is a link: a home may live elsewhere). */
  fact: PathFact;
  /** Per entry, what is at `<home>/<entry>` (not followed). */
  links: Record<string, PathFact>;
}

export interface SharedStateFacts {
  root: string;
  /** Per entry, what is at `<root>/<entry>` (followed). */
  targets: Record<string, PathFact>;
  homes: HomeFacts[];
  activeLink: { path: string; fact: PathFact };
}

export type ProblemKind =
  | 'missing-home'
  | 'home-not-directory'
  | 'missing-target'
  | 'target-not-directory'
  | 'missing-link'
  | 'divergent-link'
  | 'not-a-link'
  | 'unreadable'
  | 'active-link-not-a-link'
  | 'active-link-unknown-target';

export interface SymlinkProblem {
  kind: ProblemKind;
  /** Null for problems of the shared root or the active link. */
  account: string | null;
  home: string | null;
  entry: string | null;
  path: string;
  expected: string;
  actual: string;
  /** `--fix` repairs it (only missing target dirs and missing links are ever repaired). */
  fixable: boolean;
  message: string;
}

export type SymlinkFix = { kind: 'mkdir'; path: string } | { kind: 'symlink'; path: string; target: string };

export interface SymlinkPlan {
  problems: SymlinkProblem[];
  /** In order: target directories first, then the links that point at them. */
  fixes: SymlinkFix[];
  /** Which account the active link points at; null when missing or unknown. */
  activeAccount: string | null;
}

/** `<shared.root>/<entry>` for every entry: the absolute targets each home's links must point at. */
export function sharedTargets(shared: Config['shared']): Array<{ entry: string; target: string }> {
  return shared.entries.map((entry) => ({ entry, target: join(shared.root, entry) }));
}

const normal = (path: string) => resolve(path);

/**
 * Whether a link points where it should. Relative targets are read against the link's own directory; a link
 * written differently but ending in the same real directory (the shared root reached through another symlink)
 * shares the same files, so it is not divergent.
 */
export function linkPointsAt(linkPath: string, fact: Extract<PathFact, { kind: 'symlink' }>, expected: string, expectedReal: string | null): boolean {
  if (normal(resolve(dirname(linkPath), fact.target)) === normal(expected)) return true;
  return fact.real !== null && expectedReal !== null && fact.real === expectedReal;
}

function describe(fact: PathFact): string {
  switch (fact.kind) {
    case 'missing':
      return 'nothing';
    case 'symlink':
      return `symlink to ${fact.target}${fact.real === null ? ' (dangling)' : ''}`;
    case 'directory':
      return 'a real directory';
    case 'file':
      return 'a regular file';
    case 'other':
      return 'a special file';
    case 'unreadable':
      return `unreadable (${fact.message})`;
    default:
      return unreachable(fact, 'path fact');
  }
}

const realOf = (fact: PathFact | undefined) => (fact && (fact.kind === 'directory' || fact.kind === 'symlink') ? fact.real : null);

export function planSymlinks(config: Pick<Config, 'accounts' | 'shared'>, facts: SharedStateFacts): SymlinkPlan {
  const problems: SymlinkProblem[] = [];
  const fixes: SymlinkFix[] = [];
  const targets = sharedTargets(config.shared);
  /** Entries whose target is (or, after the fixes, will be) a directory: only these get links created. */
  const linkable = new Set<string>();

  for (const { entry, target } of targets) {
    const fact = facts.targets[entry] ?? { kind: 'missing' };
    const base = { account: null, home: null, entry, path: target, expected: 'a directory', actual: describe(fact) };
    if (fact.kind === 'directory') linkable.add(entry);
    else if (fact.kind === 'missing') {
      problems.push({ ...base, kind: 'missing-target', fixable: true, message: `shared directory ${target} does not exist` });
      fixes.push({ kind: 'mkdir', path: target });
      linkable.add(entry);
    } else if (fact.kind === 'unreadable') {
      problems.push({ ...base, kind: 'unreadable', fixable: false, message: `cannot inspect shared directory ${target}: ${fact.message}` });
    } else {
      problems.push({ ...base, kind: 'target-not-directory', fixable: false, message: `shared ${target} is ${describe(fact)}, not a directory` });
    }
  }

  for (const home of facts.homes) {
    const owner = { account: home.account, home: home.home };
    if (home.fact.kind !== 'directory') {
      const missing = home.fact.kind === 'missing';
      problems.push({
        ...owner,
        entry: null,
        path: home.home,
        kind: missing ? 'missing-home' : home.fact.kind === 'unreadable' ? 'unreadable' : 'home-not-directory',
        expected: 'a directory',
        actual: describe(home.fact),
        fixable: false,
        message: missing
          ? `account ${home.account}: home ${home.home} does not exist (log in once with CLAUDE_CONFIG_DIR=${home.home} claude)`
          : `account ${home.account}: home ${home.home} is ${describe(home.fact)}`,
      });
      continue;
    }
    for (const { entry, target } of targets) {
      const path = join(home.home, entry);
      const fact = home.links[entry] ?? { kind: 'missing' };
      const base = { ...owner, entry, path, expected: `symlink to ${target}`, actual: describe(fact) };
      if (fact.kind === 'symlink') {
        if (linkPointsAt(path, fact, target, realOf(facts.targets[entry]))) continue;
        problems.push({ ...base, kind: 'divergent-link', fixable: false, message: `${path} points to ${fact.target}, not ${target} (never rewritten automatically: check which holds the transcripts)` });
      } else if (fact.kind === 'missing') {
        const fixable = linkable.has(entry);
        problems.push({ ...base, kind: 'missing-link', fixable, message: `${path} is missing${fixable ? '' : ` (its target ${target} is not a directory)`}` });
        if (fixable) fixes.push({ kind: 'symlink', path, target });
      } else if (fact.kind === 'unreadable') {
        problems.push({ ...base, kind: 'unreadable', fixable: false, message: `cannot inspect ${path}: ${fact.message}` });
      } else {
        problems.push({ ...base, kind: 'not-a-link', fixable: false, message: `${path} is ${describe(fact)} where a link belongs: move its contents into ${target}, then remove it and run --fix` });
      }
    }
  }

  const active = planActiveLink(config.accounts, facts);
  if (active.problem) problems.push(active.problem);
  // Directories before links: a link is only created once what it points at exists.
  fixes.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'mkdir' ? -1 : 1));
  return { problems, fixes, activeAccount: active.account };
}

/** Which account the active link points at, if any. */
export function accountOfLink(linkPath: string, fact: PathFact, accounts: Account[], homeReals: Record<string, string | null> = {}): Account | null {
  if (fact.kind !== 'symlink') return null;
  return accounts.find((a) => linkPointsAt(linkPath, fact, a.home, homeReals[a.name] ?? null)) ?? null;
}

function planActiveLink(accounts: Account[], facts: SharedStateFacts): { account: string | null; problem: SymlinkProblem | null } {
  const { path, fact } = facts.activeLink;
  const base = { account: null, home: null, entry: null, path, actual: describe(fact), fixable: false };
  if (fact.kind === 'missing') return { account: null, problem: null };
  if (fact.kind === 'symlink') {
    const homeReals = Object.fromEntries(facts.homes.map((h) => [h.account, realOf(h.fact)]));
    const account = accountOfLink(path, fact, accounts, homeReals);
    if (account) return { account: account.name, problem: null };
    return {
      account: null,
      problem: { ...base, kind: 'active-link-unknown-target', expected: 'symlink to an account home', message: `active link ${path} points to ${fact.target}, which is no configured account home` },
    };
  }
  return {
    account: null,
    problem: {
      ...base,
      kind: 'active-link-not-a-link',
      expected: 'symlink to an account home',
      message: `active link ${path} is ${describe(fact)}: it needs migration (move it to an account home, e.g. mv ${path} <home>, add the account to the config, then swap-account --to <name>)`,
    },
  };
}
