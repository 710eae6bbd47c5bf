import { readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { toolHookEvent } from '../../../src/operations/core/hook-command.js';
import { POOL, exhaust, liveIn } from '../../support/accounts.js';
import { checkQuotaRuns, stopFailurePayload } from '../../support/hooks.js';
import { waitFor } from '../../support/sessions.js';
import { expectExit, readState, type FailpointRow } from './failpoint-run.js';
import type { FailpointWorld } from './failpoint-world.js';

/**
 * The failpoint rows of the hooks, in the accounts world (two homes, a pool session, a dedicated one): `hook install`
 * killed between the two homes' settings.json, and `hook stop-failure` killed after recording a usage limit, before
 * it started check-quota (the check-quota timer is then what moves the fleet).
 */

const OPERATOR_SETTINGS = { model: 'opus', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'true' }] }] } };

const homesOf = (world: FailpointWorld) => {
  if (!world.accountsRig) throw new Error('not an accounts world');
  return world.accountsRig.homes;
};
const settingsOf = async (home: string) => JSON.parse(await readFile(join(home, 'settings.json'), 'utf8')) as { model?: string; hooks: Record<string, Array<{ hooks: Array<{ command?: string }> }>> };
/** The tool's entries per event in a settings.json (each must be there exactly once). */
const oursPerEvent = async (home: string) => {
  const settings = await settingsOf(home);
  return Object.fromEntries(Object.entries(settings.hooks).map(([event, groups]) => [event, groups.flatMap((g) => g.hooks).filter((h) => h.command && toolHookEvent(h.command) === event).length]));
};

/** The pool conversation's limit, as its StopFailure hook would be told of it from inside its pane. */
async function poolLimitInvocation(world: FailpointWorld) {
  const rig = world.accountsRig;
  if (!rig) throw new Error('not an accounts world');
  const [entry] = await liveIn(rig, '.claude-main', POOL);
  const sessionId = String(entry?.sessionId);
  const transcriptPath = join(rig.homes.main, 'projects', rig.project.replace(/\//g, '-'), `${sessionId}.jsonl`);
  await stat(transcriptPath);
  const [pane, socketPath] = (await rig.tmux.displayMessage(`=${POOL}:`, '#{pane_id} #{socket_path}')).split(' ');
  return { env: { TMUX_PANE: pane, TMUX: `${socketPath},1,0` }, input: stopFailurePayload({ sessionId, transcriptPath, error: 'rate_limit', cwd: rig.project }) };
}

export const HOOK_ROWS: FailpointRow[] = [
  {
    failpoint: 'hook-settings:after-write',
    command: ['hook', 'install'],
    world: 'accounts',
    reach: "main's settings.json (with an operator hook) written with the tool's hooks, backup's not yet",
    prepare: async (world) => writeFile(join(homesOf(world).main, 'settings.json'), JSON.stringify(OPERATOR_SETTINGS, null, 2)),
    killed: async (world) => {
      expect(await oursPerEvent(homesOf(world).main)).toEqual({ Stop: 1, StopFailure: 1 });
      await expect(stat(join(homesOf(world).backup, 'settings.json'))).rejects.toThrow(/ENOENT/);
    },
    check: async (world) => {
      // Installed once in each home (the second run added nothing twice), the operator's hook and key kept.
      for (const home of Object.values(homesOf(world))) expect(await oursPerEvent(home)).toEqual({ Stop: 1, StopFailure: 1 });
      const main = await settingsOf(homesOf(world).main);
      expect(main.model).toBe('opus');
      expect(main.hooks.Stop?.[0]).toEqual(OPERATOR_SETTINGS.hooks.Stop[0]);
    },
  },
  {
    failpoint: 'hook-stop-failure:after-signal',
    command: ['hook', 'stop-failure'],
    again: ['check-quota'],
    world: 'accounts',
    reach: "a.md's turn hit the 5-hour limit: its StopFailure recorded in signals/, check-quota not yet started",
    prepare: async (world) => {
      await exhaust(homesOf(world).main);
      const out = JSON.parse(await expectExit(world, ['dispatch', '--json'])) as { launched: unknown[] };
      expect(out.launched).toHaveLength(1);
      await waitFor('the limit screen', async () => readPane(await world.rig.tmux.capture(POOL)).limitBanner);
    },
    invocation: poolLimitInvocation,
    killed: async (world) => {
      const signal = JSON.parse(await readFile(join(world.home, 'state', 'signals', `${POOL}.failed`), 'utf8'));
      expect(signal).toMatchObject({ session: POOL, error: 'rate_limit' });
      expect(await checkQuotaRuns(world.rig.configPath)).toEqual([]);
      await expect(stat(join(world.home, 'state', 'check-quota-now.log'))).rejects.toThrow(/ENOENT/);
      expect(await readlink(join(world.home, '.claude'))).toBe(homesOf(world).main);
    },
    atLeastOnce: { tasks: ['a.md'], design: 'a swap re-queues the task of a stopped pool session; it resumes with --resume under the new account' },
    check: async (world) => {
      expect(await readlink(join(world.home, '.claude'))).toBe(homesOf(world).backup);
      expect((await readState(world)).swaps.map((s) => `${s.from} → ${s.to}`)).toEqual(['main → backup']);
    },
  },
];
