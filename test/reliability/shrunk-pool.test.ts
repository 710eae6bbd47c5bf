import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENTRIES, cli, liveIn, readState, slowTurns, withAccounts, type AccountsRig } from '../support/accounts.js';
import { testConfigYaml } from '../support/context.js';
import { expectSound, type World } from '../support/invariants.js';
import { addTask, makeRig, queueFiles, submissionCount, waitFor, type Rig } from '../support/sessions.js';

/**
 * `pool.max` lowered while the sessions beyond the new range work: they stay the tool's. Each finishes (or, stopped
 * by a swap, gives back) its task, is then closed; status names it `retiring` meanwhile, and a swap stops it as the
 * pool session it is.
 */

const RETIRING = 'ccl-auto-12';

async function lowerMax(rig: Rig, max: number): Promise<void> {
  const pool = rig.configOverrides.pool as { autonomous: Record<string, unknown> };
  rig.configOverrides.pool = { ...pool, autonomous: { ...pool.autonomous, min: max, max } };
  await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
}

async function dispatchTwo(rig: Rig): Promise<void> {
  await addTask(rig.project, 'a.md', 'do a.md\n', new Date(Date.now() - 2000));
  await addTask(rig.project, 'b.md', 'do b.md\n');
  const run = await cli(rig, ['dispatch', '--json']);
  expect(run.exitCode, run.stderr).toBe(0);
  expect((JSON.parse(run.stdout) as { launched: Array<{ session: string; task: string }> }).launched.map((l) => `${l.session} ${l.task}`).sort())
    .toEqual(['ccl-auto-11 a.md', `${RETIRING} b.md`]);
  await waitFor('both submissions', async () => (await submissionCount(rig.home, 'a.md')) === 1 && (await submissionCount(rig.home, 'b.md')) === 1);
}

async function statusKind(rig: Rig, name: string): Promise<string | undefined> {
  const run = await cli(rig, ['status', '--json']);
  expect(run.exitCode, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { sessions: Array<{ name: string; kind: string }> }).sessions.find((s) => s.name === name)?.kind;
}

/** reconcile and dispatch until every named task is in done/ (bounded). */
async function settle(rig: Rig, names: string[]): Promise<void> {
  await waitFor(`${names.join(', ')} in done/`, async () => {
    for (const command of ['reconcile', 'dispatch']) {
      const run = await cli(rig, [command]);
      expect(run.exitCode, `${command}: ${run.stderr}`).toBe(0);
    }
    const done = (await queueFiles(rig.project)).done;
    return names.every((name) => done.includes(name));
  }, 45_000, 300);
}

describe('a lowered pool.max', () => {
  it('a session beyond the new range finishes its task, is named retiring meanwhile, then is closed', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 }, turnMs: 2500 });
    const world: World = { home: rig.home, projects: [rig.project], tasks: [{ project: rig.project, name: 'a.md' }, { project: rig.project, name: 'b.md' }], statePath: rig.ctx.state.path };
    expect((await cli(rig, ['reconcile'])).exitCode).toBe(0);
    await dispatchTwo(rig);
    await lowerMax(rig, 1);
    expect(await statusKind(rig, RETIRING)).toBe('retiring');

    await settle(rig, ['a.md', 'b.md']);
    await waitFor('the retiring session closed', async () => {
      expect((await cli(rig, ['reconcile'])).exitCode).toBe(0);
      return !(await rig.tmux.listSessions()).includes(RETIRING);
    }, 20_000, 300);
    expect((await readState(rig)).sessions[RETIRING]).toBeUndefined();
    expect(await statusKind(rig, RETIRING)).toBeUndefined();
    expect(await rig.tmux.listSessions()).toEqual(['ccl-auto-11']);
    for (const name of ['a.md', 'b.md']) expect(await submissionCount(rig.home, name)).toBe(1);
    await expectSound(world, 'state and pool faults');
  });

  it('a swap stops the retiring session with the pool: its task goes back and runs under the new account, the session is closed', async () => {
    const rig: AccountsRig = await withAccounts(await makeRig({ pool: { min: 2, max: 2 }, dispatch: { session_cooldown: '1s' } }));
    const world: World = {
      home: rig.home,
      projects: [rig.project],
      tasks: [{ project: rig.project, name: 'a.md' }, { project: rig.project, name: 'b.md' }],
      statePath: rig.ctx.state.path,
      accounts: { activeLink: rig.activeLink, homes: [rig.homes.main, rig.homes.backup], sharedRoot: join(rig.home, '.claude-shared'), entries: ENTRIES },
      // A task a swap stopped mid-turn is typed again when it resumes (the rules allow it: at most twice).
      atLeastOnce: new Set(['a.md', 'b.md']),
    };
    await slowTurns(rig.homes.main);
    await dispatchTwo(rig);
    await lowerMax(rig, 1);
    expect((await cli(rig, ['reconcile'])).exitCode).toBe(0);
    expect((await readState(rig)).sessions[RETIRING]).toMatchObject({ state: 'working' });

    const swap = await cli(rig, ['swap-account', '--json']);
    expect(swap.exitCode, swap.stderr).toBe(0);
    expect(await liveIn(rig, '.claude-main', RETIRING)).toEqual([]);
    expect(await liveIn(rig, '.claude-main', 'ccl-auto-11')).toEqual([]);
    expect((await queueFiles(rig.project)).inbox.sort()).toEqual(['a.md', 'b.md']);

    await settle(rig, ['a.md', 'b.md']);
    expect(await rig.tmux.listSessions()).not.toContain(RETIRING);
    expect((await readState(rig)).sessions[RETIRING]).toBeUndefined();
    await expectSound(world, 'state and pool faults');
  });
});
