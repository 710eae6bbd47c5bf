import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/base/lock.js';
import { createMemoryLog } from '../../src/base/log.js';
import { performSwap } from '../../src/swap/engine.js';
import { CLAUDE_FAILOVER_BIN } from '../support/cli.js';
import { testConfigYaml } from '../support/context.js';
import { DEDICATED, OTHER, POOL, cli, dispatchTask, liveIn, linkTarget, readState, resumeFile, slowTurns } from '../support/accounts.js';
import { expectSound } from '../support/invariants.js';
import { queueFiles, submissions, waitFor } from '../support/sessions.js';
import { faultWorld, settle } from './support/fault-world.js';

/**
 * Swaps that race, and a swap with nowhere better to go. A swap names the account it leaves: a run that finds,
 * under the lock, that another run already left it does nothing and says so, instead of swapping there and back.
 * And "all accounts exhausted" is said only when no account serves: with the active one usable, it stays.
 */

interface SwapJson {
  swap: { status: string; from: string; to: string; leftBy: { from: string; to: string; by: string } | null } | null;
}

describe('racing swaps: a swap compares before it acts', () => {
  it('two swap-account runs started at the same instant end on backup, not there and back; the task is stopped and re-queued once', async () => {
    const { rig, world } = await faultWorld();
    await slowTurns(rig.homes.main);
    const poolId = await dispatchTask(rig);
    world.tasks.push({ project: rig.project, name: 'a.md' });

    const runs = await Promise.all([cli(rig, ['swap-account', '--json', '-v']), cli(rig, ['swap-account', '--json', '-v'])]);
    for (const run of runs) expect(run.exitCode, run.stderr).toBe(0);
    const results = runs.map((run) => JSON.parse(run.stdout) as SwapJson);
    const statuses = results.map((r) => r.swap?.status).sort();
    expect(statuses, runs.map((r) => r.stderr).join('\n---\n')).toEqual(['already-left', 'swapped']);
    const swapped = results.find((r) => r.swap?.status === 'swapped');
    const second = runs[results.findIndex((r) => r.swap?.status === 'already-left')];
    expect(swapped?.swap).toMatchObject({ from: 'main', to: 'backup' });
    // The run that waited for the lock read main before it waited, and found it left.
    expect(second?.stderr).toMatch(/holds the lock; waiting up to \d+s/);
    expect(JSON.parse(second?.stdout ?? '{}').swap).toMatchObject({ status: 'already-left', from: 'main', to: 'backup', leftBy: { from: 'main', to: 'backup', by: 'swap-account' } });
    expect(second?.stderr).toMatch(/main was already left by another run \(swapped main → backup at \S+ by swap-account\); backup is active; nothing done/);

    const state = await readState(rig);
    expect(state).toMatchObject({ activeAccount: 'backup', swapJournal: null, counters: { swaps: 1 } });
    expect(state.swaps.map((s) => `${s.from}→${s.to}`)).toEqual(['main→backup']);
    expect(await linkTarget(rig)).toBe(rig.homes.backup);
    // The dedicated conversation moved once, to backup; the task was put back once, with its conversation.
    await waitFor('the dedicated conversation under backup', async () => (await liveIn(rig, '.claude-backup', DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
    expect(await liveIn(rig, '.claude-main', DEDICATED)).toEqual([]);
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
    expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);
    expect(await rig.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}')).toBe(rig.otherPid);

    await settle(rig);
    const typed = (await submissions(rig.home)).filter((s) => s.message.startsWith('[a.md]'));
    expect(typed.map((s) => s.sessionId)).toEqual([poolId, poolId]); // interrupted once, resumed once
    await expectSound(world, 'swap faults and races');
  });

  it('a swap-account that waited while a check-quota swap ran finds main already left; check-quota\'s own swap has the same guard', async () => {
    const { rig, world } = await faultWorld();
    await slowTurns(rig.homes.main);
    await dispatchTask(rig);
    world.tasks.push({ project: rig.project, name: 'a.md' });

    // Another run holds the lock: swap-account reads main, then waits for it.
    const lock = await acquireLock({ stateDir: join(rig.home, 'state'), command: 'check-quota', log: createMemoryLog() });
    let released = false;
    try {
      const child = execa('node', [CLAUDE_FAILOVER_BIN, 'swap-account', '--json', '-v', '--config', rig.configPath], { env: rig.env, extendEnv: false, reject: false, timeout: 60_000, input: '' });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
      await waitFor('swap-account to wait for the lock', async () => /holds the lock; waiting up to 30s/.test(stderr));
      // ...while the holder swaps as check-quota does: leaving the account it judged exhausted.
      const first = await performSwap(rig.ctx, await rig.ctx.state.load(), lock, { to: null, leaving: 'main', reason: 'a usage limit', by: 'check-quota' });
      expect(first).toMatchObject({ status: 'swapped', from: 'main', to: 'backup' });
      // The same guard in check-quota's swap: judged on main, it finds backup active and leaves it alone.
      const again = await performSwap(rig.ctx, await rig.ctx.state.load(), lock, { to: null, leaving: 'main', reason: 'a usage limit', by: 'check-quota' });
      expect(again).toMatchObject({ status: 'already-left', from: 'main', to: 'backup', leftBy: { from: 'main', to: 'backup', by: 'check-quota' }, sessions: [] });
      await lock.release();
      released = true;

      const run = await child;
      expect(run.exitCode, String(run.stderr)).toBe(0);
      expect(JSON.parse(String(run.stdout)).swap).toMatchObject({ status: 'already-left', from: 'main', to: 'backup' });
      const text = await cli(rig, ['swap-account', '--dry-run']);
      expect(text.stdout).toMatch(/would swap backup → main/); // by hand, with nothing racing, it does go on
    } finally {
      if (!released) await lock.release();
    }
    const state = await readState(rig);
    expect(state.swaps.map((s) => `${s.from}→${s.to} by ${s.by}`)).toEqual(['main→backup by check-quota']);
    expect(await linkTarget(rig)).toBe(rig.homes.backup);
    await waitFor('the dedicated conversation under backup', async () => (await liveIn(rig, '.claude-backup', DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
    await settle(rig);
    await expectSound(world, 'swap faults and races');
  });
});

describe('"exhausted" means exhausted', () => {
  it('backup exhausted, main fine: "no other usable account (backup exhausted until …); main stays active", exit 3, no all-exhausted event, nothing stopped', async () => {
    const { rig, world } = await faultWorld();
    const events = join(rig.home, 'events.jsonl');
    rig.configOverrides.notify = { command: `cat >> '${events}'` };
    await writeFile(rig.configPath, testConfigYaml(rig.home, rig.configOverrides));
    const [before] = await liveIn(rig, '.claude-main', DEDICATED);
    const state = await readState(rig);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    state.accounts.backup = { exhaustedUntil: until };
    await writeFile(rig.ctx.state.path, JSON.stringify(state));

    const run = await cli(rig, ['swap-account', '--json']);
    expect(run.exitCode, run.stderr).toBe(3);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'no-other-account',
      message: `no other usable account (backup exhausted until ${until}); main stays active`,
      hint: expect.stringContaining('swap-account --to NAME'),
      exitCode: 3,
    });
    expect(run.stderr).not.toMatch(/all accounts exhausted|event all-exhausted/);
    expect(await readFile(events, 'utf8').catch(() => '')).toBe('');
    const text = await cli(rig, ['swap-account']);
    expect(text.exitCode).toBe(3);
    expect(text.stderr).toContain(`no other usable account (backup exhausted until ${until}); main stays active`);

    // Nothing moved: same Claude Code, same link, no journal, no swap recorded.
    expect((await liveIn(rig, '.claude-main', DEDICATED)).map((e) => e.pid)).toEqual([before?.pid]);
    expect(await linkTarget(rig)).toBe(rig.homes.main);
    expect(await readState(rig)).toMatchObject({ swapJournal: null, swaps: [], counters: { swaps: 0 } });
    // The operator may still choose the exhausted account by name.
    const forced = await cli(rig, ['swap-account', '--to', 'backup', '--json']);
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).swap).toMatchObject({ status: 'swapped', warnings: [expect.stringContaining('exhausted until')] });
    const notified = (await readFile(events, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event);
    expect(notified).toEqual(['swap']);
    await expectSound(world, 'swap faults and races');
  });

  it('with main exhausted too (check-quota marked it), the fleet has nowhere to go: all-exhausted, told once', async () => {
    const { rig, world } = await faultWorld();
    const state = await readState(rig);
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    state.accounts = { main: { exhaustedUntil: new Date(Date.now() + 7_200_000).toISOString() }, backup: { exhaustedUntil: soon } };
    await writeFile(rig.ctx.state.path, JSON.stringify(state));
    const run = await cli(rig, ['swap-account', '--json']);
    expect(run.exitCode).toBe(3);
    expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'all-exhausted', message: `all accounts exhausted until ${soon}` });
    expect(run.stderr).toMatch(/event all-exhausted/);
    const again = await cli(rig, ['swap-account', '--json']);
    expect(again.exitCode).toBe(3);
    expect(again.stderr).not.toMatch(/event all-exhausted/);
    expect(await linkTarget(rig)).toBe(rig.homes.main);
    await expectSound(world, 'swap faults and races');
  });
});
