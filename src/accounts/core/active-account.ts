import { resolve } from 'node:path';
import type { Account } from '../../base/core/config.js';

/**
 * Which account is active (whose home new Claude Code processes get as CLAUDE_CONFIG_DIR): the one the state
 * names, when it is still configured; else the one the active link (`~/.claude`) points to; else the first in
 * failover order. Pure: the caller passes the link's target (already resolved to an absolute path) or null.
 */
export function chooseActiveAccount(accounts: readonly Account[], stateActive: string | null, linkTarget: string | null): Account {
  const named = stateActive === null ? undefined : accounts.find((a) => a.name === stateActive);
  if (named) return named;
  if (linkTarget !== null) {
    const target = stripSlash(resolve(linkTarget));
    const linked = accounts.find((a) => stripSlash(resolve(a.home)) === target);
    if (linked) return linked;
  }
  const first = accounts[0];
  if (!first) throw new Error('no accounts configured'); // config validation guarantees at least one
  return first;
}

function stripSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
