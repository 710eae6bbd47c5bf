import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ACCOUNTS_RIG_OPTIONS, ENTRIES, cli, withAccounts, type AccountsRig } from '../../support/accounts.js';
import type { World } from '../../support/invariants.js';
import { mountTmpfs } from '../../support/mounts.js';
import { makeRig, queueFiles, waitFor } from '../../support/sessions.js';

/**
 * The world of the swap-fault tests: the accounts rig (two homes on the shared-state contract, `~/.claude` → main,
 * one pool session, a dedicated session with a conversation, `ccl-0` outside the config), optionally with its
 * state folder on a small tmpfs of its own, and the audit's view of it.
 */
export interface FaultWorld {
  rig: AccountsRig;
  stateDir: string;
  /** What expectSound checks: the tasks named so far, the account layout. */
  world: World;
}

export async function faultWorld(options: { stateTmpfsBytes?: number } = {}): Promise<FaultWorld> {
  const made = await makeRig(ACCOUNTS_RIG_OPTIONS);
  const stateDir = join(made.home, 'state');
  if (options.stateTmpfsBytes) {
    await mkdir(stateDir, { recursive: true });
    await mountTmpfs(stateDir, options.stateTmpfsBytes);
  }
  const rig = await withAccounts(made);
  const world: World = {
    home: rig.home,
    projects: [rig.project],
    tasks: [],
    statePath: rig.ctx.state.path,
    accounts: { activeLink: rig.activeLink, homes: [rig.homes.main, rig.homes.backup], sharedRoot: join(rig.home, '.claude-shared'), entries: ENTRIES },
    // A task a swap stopped mid-turn is typed again when it resumes (the rules allow it: at most twice).
    atLeastOnce: new Set(['a.md']),
  };
  return { rig, stateDir, world };
}

/** Turns under `home` are short again (the fake reads its control file at the start of every turn). */
export async function fastTurns(home: string): Promise<void> {
  await writeFile(join(home, 'fake-claude-control.json'), JSON.stringify({ turnMs: 200 }));
}

/** The timers' passes (reconcile, dispatch), bounded, until `name` is in done/. */
export async function settle(rig: AccountsRig, name = 'a.md'): Promise<void> {
  await waitFor(`${name} in done/`, async () => {
    for (const command of ['reconcile', 'dispatch']) {
      const run = await cli(rig, [command]);
      expect(run.exitCode, `${command}: ${run.stderr}`).toBe(0);
    }
    return (await queueFiles(rig.project)).done.includes(name);
  }, 45_000, 300);
}
