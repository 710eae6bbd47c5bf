/**
 * The link operations of a swap, as one port: swap-account and reconcile use the real one; tests inject one that
 * fails at a chosen moment (a rollback that fails too can not be staged otherwise when tests run as root).
 */

import type { Account, Config } from '../base/core/config.js';
import { ExitCode, FailoverError } from '../base/core/errors.js';
import type { LinkPosition } from './core/journal.js';
import { linkPointsAt, planSymlinks, type SymlinkProblem } from '../accounts/core/symlinks.js';
import { applySymlinkFixes, inspectLinkPath, observeSharedState, realOrNull, replaceSymlinkAtomic } from '../accounts/symlinks.js';

export interface SwapLinks {
  /** Points the active link at `home` atomically (a real directory there is a needs-migration error). */
  flip(activeLink: string, home: string): Promise<void>;
  /** Every shared-state problem of one account home (and of the shared root), fixable or not; changes nothing. */
  check(config: Pick<Config, 'shared' | 'activeLink'>, account: Account): Promise<SymlinkProblem[]>;
  /** Creates what is missing (shared dirs, links), then fails unless the home follows the contract; the paths fixed. */
  ensure(config: Pick<Config, 'shared' | 'activeLink'>, account: Account): Promise<string[]>;
}

/** Active-link problems are the swap's own business (it is flipping that link), not the target home's. */
const aboutHome = (problem: SymlinkProblem) => problem.kind !== 'active-link-not-a-link' && problem.kind !== 'active-link-unknown-target';

async function check(config: Pick<Config, 'shared' | 'activeLink'>, account: Account): Promise<SymlinkProblem[]> {
  const scope = { accounts: [account], shared: config.shared, activeLink: config.activeLink };
  return planSymlinks(scope, await observeSharedState(scope)).problems.filter(aboutHome);
}

export function targetLinksError(account: Account, problems: readonly SymlinkProblem[]): FailoverError {
  return new FailoverError(
    ExitCode.failed,
    'target-links',
    `the shared-state links of ${account.name} (${account.home}) are not usable: ${problems.map((p) => p.message).join('; ')}`,
    { hint: 'run `claude-failover validate-symlinks` and repair what it reports by hand; a divergent link or a real folder is never rewritten automatically' },
  );
}

export const realSwapLinks: SwapLinks = {
  flip: (activeLink, home) => replaceSymlinkAtomic(activeLink, home),
  check,
  async ensure(config, account) {
    const scope = { accounts: [account], shared: config.shared, activeLink: config.activeLink };
    const plan = planSymlinks(scope, await observeSharedState(scope));
    const blocking = plan.problems.filter(aboutHome).filter((p) => !p.fixable);
    if (blocking.length > 0) throw targetLinksError(account, blocking);
    const outcomes = await applySymlinkFixes(plan.fixes);
    const remaining = await check(config, account);
    if (remaining.length > 0) throw targetLinksError(account, remaining);
    return outcomes.filter((o) => o.ok).map((o) => o.path);
  },
};

/** Where the active link points now, in terms of a swap's old and new homes. */
export async function linkPosition(activeLink: string, fromHome: string, toHome: string): Promise<LinkPosition> {
  const fact = await inspectLinkPath(activeLink);
  if (fact.kind === 'missing') return 'missing';
  if (fact.kind !== 'symlink') return 'elsewhere';
  if (linkPointsAt(activeLink, fact, toHome, await realOrNull(toHome))) return 'to';
  if (linkPointsAt(activeLink, fact, fromHome, await realOrNull(fromHome))) return 'from';
  return 'elsewhere';
}
