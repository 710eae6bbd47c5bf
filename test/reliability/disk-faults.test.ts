import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FailoverError } from '../../src/base/core/errors.js';
import { plainStyle } from '../../src/base/core/format.js';
import type { StateStore } from '../../src/base/state-store.js';
import { render as renderDispatch, type DispatchResult } from '../../src/sessions/dispatch.command.js';
import { run as swapAccount } from '../../src/swap/swap-account.command.js';
import { DEDICATED, POOL, cli, dispatchTask, liveIn, linkTarget, readState, resumeFile, slowTurns, type AccountsRig } from '../support/accounts.js';
import { expectSound } from '../support/invariants.js';
import { bindMount, bindReadOnly, fill, mountSupport, remount, unfill, unmountNow } from '../support/mounts.js';
import { addTask, queueFiles, submissions, waitFor } from '../support/sessions.js';
import { fastTurns, faultWorld, settle } from './support/fault-world.js';

/**
 * Full disks and read-only folders during a swap and around it, on real filesystems: a small tmpfs for the
 * state folder, filled at the right moment, and read-only bind mounts (remounted read-only at the right moment).
 * A swap proves it can journal before it stops anything; a write refused later is undone in the same run; every
 * such fault names the path and what to do. The audit holds after each.
 */
const cannotMount = await mountSupport();
if (cannotMount) console.warn(`disk-fault tests skipped: ${cannotMount}`);

const STATE_FS_BYTES = 1 << 20;

/** Live Claude Code pids of the pool and dedicated sessions under main. */
async function mainPids(rig: AccountsRig): Promise<unknown[]> {
  return [...(await liveIn(rig, '.claude-main', DEDICATED)), ...(await liveIn(rig, '.claude-main', POOL))].map((e) => e.pid).sort();
}

/**
 * swap-account in this process, with `fault` done to the disk right before the state is first saved in `phase`:
 * the moment the disk fills up or turns read-only mid-swap. Returns what the run threw.
 */
async function swapMeetingFault(rig: AccountsRig, phase: 'flipping' | 'committed', fault: () => Promise<void>): Promise<FailoverError> {
  const store = rig.ctx.state;
  let armed = true;
  const faulty: StateStore = {
    path: store.path,
    load: (lock) => store.load(lock),
    async save(state, lock) {
      if (armed && (state.swapJournal as { phase?: unknown } | null)?.phase === phase) {
        armed = false;
        await fault();
      }
      return store.save(state, lock);
    },
  };
  rig.ctx.state = faulty;
  try {
    const result = await swapAccount({}, rig.ctx).catch((error: unknown) => error);
    expect(armed, 'the fault was never staged').toBe(false);
    expect(result).toBeInstanceOf(FailoverError);
    return result as FailoverError;
  } finally {
    rig.ctx.state = store;
  }
}

/** After an undone swap: main active, the dedicated conversation back under main, the task back with its conversation. */
async function expectBackOnMain(rig: AccountsRig, poolId: string): Promise<void> {
  expect(await linkTarget(rig)).toBe(rig.homes.main);
  await waitFor('the dedicated conversation back under main', async () => (await liveIn(rig, '.claude-main', DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
  expect(await liveIn(rig, '.claude-backup', DEDICATED)).toEqual([]);
  expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
  expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);
}

/**
 * The run that met the read-only folder could not remove its lock there. Once it has exited, its lock is abandoned
 * and the next run removes it at once (its owner is gone); this test process lives on, so the test does that part.
 */
async function abandonLock(stateDir: string): Promise<void> {
  await rm(join(stateDir, 'claude-failover.lock'), { recursive: true, force: true });
}

/** Nothing typed a command line into a running Claude Code (it would reach the conversation as a message). */
async function expectNothingTypedIntoClaude(rig: AccountsRig): Promise<void> {
  expect((await submissions(rig.home)).filter((s) => s.message.includes('--resume'))).toEqual([]);
}

describe.skipIf(cannotMount !== null)('full disks and read-only folders during a swap', () => {
  it('a nearly full state folder: the swap refuses before it stops anything (exit 1, the path and the fix), and works once there is room', async () => {
    const { rig, stateDir, world } = await faultWorld({ stateTmpfsBytes: STATE_FS_BYTES });
    await slowTurns(rig.homes.main);
    await dispatchTask(rig);
    world.tasks.push({ project: rig.project, name: 'a.md' });
    const pids = await mainPids(rig);
    await fill(stateDir, 32 << 10); // room for the lock and a state file, not for a swap's journal

    const run = await cli(rig, ['swap-account', '--json']);
    expect(run.exitCode, run.stderr).toBe(1);
    const error = JSON.parse(run.stdout).error;
    expect(error).toMatchObject({ code: 'disk-full', exitCode: 1 });
    expect(error.message).toBe(`the swap cannot record its steps in the state folder, so nothing was stopped: cannot write ${stateDir}/.swap-reserve: no space left on the device (ENOSPC)`);
    expect(error.hint).toBe(`free space on the filesystem of ${stateDir} (\`df -h ${stateDir}\`); then run the swap again`);
    expect(run.stderr).not.toMatch(/unexpected failure/);
    expect(await mainPids(rig)).toEqual(pids);
    expect(await linkTarget(rig)).toBe(rig.homes.main);
    expect((await readState(rig)).swapJournal).toBeNull();

    await unfill(stateDir);
    const swapped = await cli(rig, ['swap-account', '--json']);
    expect(swapped.exitCode, swapped.stderr).toBe(0);
    expect(JSON.parse(swapped.stdout).swap).toMatchObject({ status: 'swapped', from: 'main', to: 'backup' });
    await settle(rig);
    await expectSound(world, 'swap faults and races');
  });

  it('the disk fills up after the sessions were stopped: undone in the same run, the reserve takes the undo\'s record, exit 1 with the path', async () => {
    const { rig, stateDir, world } = await faultWorld({ stateTmpfsBytes: STATE_FS_BYTES });
    await slowTurns(rig.homes.main);
    const poolId = await dispatchTask(rig);
    world.tasks.push({ project: rig.project, name: 'a.md' });

    const error = await swapMeetingFault(rig, 'flipping', async () => void (await fill(stateDir)));
    expect(error).toMatchObject({ code: 'swap-rolled-back', exitCode: 1 });
    expect(error.message).toBe(`swap main → backup undone in this run; main stays active, 2 stopped sessions brought back under it: cannot write ${rig.ctx.state.path}: no space left on the device (ENOSPC)`);
    expect(error.hint).toBe(`free space on the filesystem of ${stateDir} (\`df -h ${stateDir}\`); then run the command again`);
    await expectBackOnMain(rig, poolId);
    // The reserve made room for the undo to record itself: the state on disk is the final one.
    const state = await readState(rig);
    expect(state).toMatchObject({ swapJournal: null, swaps: [], counters: { swaps: 0 } });
    expect(state.activeAccount).not.toBe('backup');
    expect(state.sessions[POOL]).toMatchObject({ state: 'idle', task: null, resumeFor: join(rig.project, '.agent-queue', 'inbox', 'a.md') });

    await unfill(stateDir);
    await fastTurns(rig.homes.main);
    await settle(rig);
    // The task resumed its own conversation under main: typed once before the swap, once after.
    expect((await submissions(rig.home)).filter((s) => s.message.startsWith('[a.md]')).map((s) => s.sessionId)).toEqual([poolId, poolId]);
    await expectNothingTypedIntoClaude(rig);
    await expectSound(world, 'swap faults and races');
  });

  it('the state folder turns read-only after the stop: undone in the same run though nothing can be recorded; reconcile settles the journal left a step behind', async () => {
    const { rig, stateDir, world } = await faultWorld();
    await bindMount(stateDir);
    await slowTurns(rig.homes.main);
    const poolId = await dispatchTask(rig);
    world.tasks.push({ project: rig.project, name: 'a.md' });

    const error = await swapMeetingFault(rig, 'flipping', () => remount(stateDir, 'ro'));
    expect(error).toMatchObject({ code: 'swap-rolled-back', exitCode: 1 });
    expect(error.message).toBe(`swap main → backup undone in this run; main stays active, 2 stopped sessions brought back under it: cannot write ${rig.ctx.state.path}: the filesystem is read-only (EROFS)`);
    expect(error.hint).toContain(`make the filesystem of ${stateDir} writable again (\`findmnt -T ${stateDir}\``);
    expect(error.hint).toContain('The state file still holds the journal as last written: once the folder takes writes, `claude-failover reconcile` settles it');
    await expectBackOnMain(rig, poolId);
    const dedicatedPid = (await liveIn(rig, '.claude-main', DEDICATED))[0]?.pid;
    expect((await readState(rig)).swapJournal).toMatchObject({ phase: 'stopping' }); // what the disk kept

    // Read-only, every command says so with the folder and the fix; nothing else is touched.
    const blocked = await cli(rig, ['reconcile']);
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stderr).toContain(`cannot take the lock ${stateDir}/claude-failover.lock: the filesystem is read-only (EROFS)`);
    expect(blocked.stderr).toContain(`hint: make the filesystem of ${stateDir} writable again`);

    await remount(stateDir, 'rw');
    await abandonLock(stateDir);
    const settled = await cli(rig, ['reconcile', '--json']);
    expect(settled.exitCode, settled.stderr).toBe(0);
    expect(JSON.parse(settled.stdout).swap).toMatchObject({ action: 'rolled-back' });
    const state = await readState(rig);
    expect(state).toMatchObject({ swapJournal: null, swaps: [] });
    // The pool session's task keeps its conversation; the dedicated one keeps running as the undo left it.
    expect(state.sessions[POOL]).toMatchObject({ state: 'idle', task: null, resumeFor: join(rig.project, '.agent-queue', 'inbox', 'a.md') });
    expect((await liveIn(rig, '.claude-main', DEDICATED))[0]?.pid).toBe(dedicatedPid);

    await fastTurns(rig.homes.main);
    await settle(rig);
    expect((await submissions(rig.home)).filter((s) => s.message.startsWith('[a.md]')).map((s) => s.sessionId)).toEqual([poolId, poolId]);
    await expectNothingTypedIntoClaude(rig);
    await expectSound(world, 'swap faults and races');
  });

  it('the state folder turns read-only at the commit: the flip is undone, and the reconcile that finds the journal types no resume line twice', async () => {
    const { rig, stateDir, world } = await faultWorld();
    await bindMount(stateDir);
    await slowTurns(rig.homes.main);
    const poolId = await dispatchTask(rig);
    world.tasks.push({ project: rig.project, name: 'a.md' });

    const error = await swapMeetingFault(rig, 'committed', () => remount(stateDir, 'ro'));
    expect(error).toMatchObject({ code: 'swap-rolled-back', exitCode: 1, message: expect.stringContaining('the filesystem is read-only (EROFS)') });
    await expectBackOnMain(rig, poolId);
    const dedicatedPid = (await liveIn(rig, '.claude-main', DEDICATED))[0]?.pid;
    // The disk kept the step before the commit: every session stopped, the link being flipped.
    expect((await readState(rig)).swapJournal).toMatchObject({ phase: 'flipping' });

    await remount(stateDir, 'rw');
    await abandonLock(stateDir);
    const settled = await cli(rig, ['reconcile', '--json']);
    expect(settled.exitCode, settled.stderr).toBe(0);
    expect(JSON.parse(settled.stdout).swap).toMatchObject({ action: 'rolled-back' });
    expect(await linkTarget(rig)).toBe(rig.homes.main);
    expect((await liveIn(rig, '.claude-main', DEDICATED))[0]?.pid).toBe(dedicatedPid);
    await expectNothingTypedIntoClaude(rig);

    await fastTurns(rig.homes.main);
    await settle(rig);
    expect((await submissions(rig.home)).filter((s) => s.message.startsWith('[a.md]')).map((s) => s.sessionId)).toEqual([poolId, poolId]);
    await expectNothingTypedIntoClaude(rig);
    await expectSound(world, 'swap faults and races');
  });

  it('a read-only state folder: swap-account and check-quota name the folder and the fix, and stop nothing', async () => {
    const { rig, stateDir, world } = await faultWorld();
    await slowTurns(rig.homes.main);
    await dispatchTask(rig);
    world.tasks.push({ project: rig.project, name: 'a.md' });
    const pids = await mainPids(rig);
    await bindReadOnly(stateDir);
    for (const command of ['swap-account', 'check-quota']) {
      const run = await cli(rig, [command, '--json']);
      expect(run.exitCode, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout).error).toEqual({
        code: 'read-only',
        message: `cannot take the lock ${stateDir}/claude-failover.lock: the filesystem is read-only (EROFS)`,
        hint: expect.stringMatching(new RegExp(`^make the filesystem of ${stateDir} writable again .*; then run the command again$`)),
        exitCode: 1,
      });
      expect(run.stderr).not.toMatch(/unexpected failure/);
    }
    expect(await mainPids(rig)).toEqual(pids);
    await remount(stateDir, 'rw');
    // The task runs on where it was, untouched.
    expect((await readState(rig)).sessions[POOL]).toMatchObject({ state: 'working', task: join(rig.project, '.agent-queue', 'inbox', 'a.md.dispatched') });
    await expectSound(world, 'swap faults and races');
  });
});

describe.skipIf(cannotMount !== null)('every full-disk and read-only message names the path and what to do', () => {
  it('a full state folder: reconcile, dispatch and check-quota say which file and how to free it, never "unexpected failure … write"', async () => {
    const { rig, stateDir, world } = await faultWorld({ stateTmpfsBytes: STATE_FS_BYTES });
    await addTask(rig.project, 'a.md', 'do a.md\n');
    world.tasks.push({ project: rig.project, name: 'a.md' });
    await fill(stateDir);
    for (const command of ['dispatch', 'check-quota', 'reconcile']) {
      const run = await cli(rig, [command]);
      expect(run.exitCode, `${command}: ${run.stderr}`).toBe(1);
      expect(run.stderr, command).toMatch(new RegExp(`error: cannot (take the lock|write) ${stateDir}/(claude-failover\\.lock|state\\.json): no space left on the device \\(ENOSPC\\)`));
      expect(run.stderr, command).toContain(`hint: free space on the filesystem of ${stateDir} (\`df -h ${stateDir}\`); then run the command again`);
      expect(run.stderr, command).not.toMatch(/unexpected failure/);
    }
    await unfill(stateDir);
    await settle(rig);
    await expectSound(world, 'swap faults and races');
  });

  it('a claim in a read-only inbox names <project>/.agent-queue/inbox/t3.md, the fault and the fix; the task stays pending and runs later', async () => {
    const { rig, world } = await faultWorld();
    const inbox = join(rig.project, '.agent-queue', 'inbox');
    await addTask(rig.project, 't3.md', 'do t3.md\n');
    world.tasks.push({ project: rig.project, name: 't3.md' });
    await bindReadOnly(inbox);

    const run = await cli(rig, ['dispatch', '--json']);
    expect(run.exitCode, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as DispatchResult;
    expect(result.errors).toEqual([{
      project: rig.project,
      task: 't3.md',
      path: join(inbox, 't3.md'),
      message: 'cannot claim it: the filesystem is read-only (EROFS)',
      hint: expect.stringMatching(new RegExp(`^make the filesystem of ${inbox} writable again .*; the task stays in the inbox, and reconcile frees the session held for it$`)),
    }]);
    expect(renderDispatch(result, plainStyle)).toContain(`error: ${inbox}/t3.md: cannot claim it: the filesystem is read-only (EROFS)\nhint: make the filesystem of ${inbox} writable again`);
    expect((await queueFiles(rig.project)).inbox).toEqual(['t3.md']);

    await unmountNow(inbox);
    await settle(rig, 't3.md');
    await expectSound(world, 'swap faults and races');
  });
});
