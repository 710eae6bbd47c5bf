import { readlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { chooseActiveAccount } from './core/active-account.js';
import type { Account, Config } from '../base/core/config.js';

/** Where the active link points (absolute), or null when it is missing or not a symlink. */
export async function activeLinkTarget(activeLink: string): Promise<string | null> {
  try {
    return resolve(dirname(activeLink), await readlink(activeLink));
  } catch {
    return null;
  }
}

/** The active account (see chooseActiveAccount): state first, then the `~/.claude` link, then the first account. */
export async function activeAccount(config: Pick<Config, 'accounts' | 'activeLink'>, stateActive: string | null): Promise<Account> {
  const known = stateActive !== null && config.accounts.some((a) => a.name === stateActive);
  const target = known ? null : await activeLinkTarget(config.activeLink);
  return chooseActiveAccount(config.accounts, stateActive, target);
}
