import { readFile, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { accountsRig, cli, dispatchTask, exhaust, liveIn, linkTarget, readState, resumeFile, DEDICATED, OTHER, POOL } from '../../support/accounts.js';
import { queueFiles, submissions, waitFor } from '../../support/sessions.js';

/**
 * The failover end to end, with the built CLI on a private tmux server, two account homes that share
 * their state through links, and the fake Claude Code: a usage limit in a pool session makes check-quota swap.
 */
describe('check-quota → swap-account', () => {
  it('a pool session hits its limit: the swap flips ~/.claude, resumes every conversation under backup, touches nothing else', async () => {
    const rig = await accountsRig();
    const resetsAt = await exhaust(rig.homes.main);
    const poolId = await dispatchTask(rig);
    await waitFor('the limit screen', async () => readPane(await rig.tmux.capture(POOL)).limitBanner);

    const run = await cli(rig, ['check-quota', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ account: 'main', action: 'swap', exhaustedUntil: new Date(resetsAt * 1000).toISOString(), swap: { status: 'done', report: { from: 'main', to: 'backup', status: 'swapped' } } });
    expect(result.sessions).toEqual(expect.arrayContaining([
      expect.objectContaining({ session: POOL, sessionKind: 'pool', kind: 'limit', source: 'transcript' }),
      expect.objectContaining({ session: DEDICATED, sessionKind: 'dedicated', kind: 'clear' }),
    ]));
    expect(result.sessions.map((s: { session: string }) => s.session)).not.toContain(OTHER);
    expect(run.stderr).toMatch(/quota detection: session=ccl-auto-11 verdict=limit pattern=transcript-rate-limit reset=\S+ type=five_hour source=transcript snippet=".*5-hour limit/);

    // The active link, the shared links, the state.
    expect(await linkTarget(rig)).toBe(rig.homes.backup);
    const links = await cli(rig, ['validate-symlinks', '--json']);
    expect(links.exitCode, links.stdout).toBe(0);
    const state = await readState(rig);
    expect(state).toMatchObject({ activeAccount: 'backup', swapJournal: null, partialSwap: null, quotaSuspicion: null, counters: { swaps: 1 } });
    expect(state.accounts.main?.exhaustedUntil).toBe(new Date(resetsAt * 1000).toISOString());
    expect(state.swaps).toEqual([expect.objectContaining({ from: 'main', to: 'backup', by: 'check-quota', reason: expect.stringContaining('usage limit') })]);
    expect(state.detections.at(-1)).toMatchObject({ session: POOL, verdict: 'limit', action: 'swap' });

    // The dedicated conversation goes on under backup; the session outside the configuration was never touched.
    await waitFor('the dedicated conversation resumed under backup', async () => (await liveIn(rig, '.claude-backup', DEDICATED)).some((e) => e.sessionId === rig.dedicatedId));
    expect(await liveIn(rig, '.claude-main', DEDICATED)).toEqual([]);
    expect(await rig.tmux.displayMessage(`=${OTHER}:`, '#{pane_pid}')).toBe(rig.otherPid);
    expect(await rig.tmux.capture(OTHER)).toContain('not-ours');

    // The interrupted task is back in the inbox, its conversation saved for the next launch in that session...
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
    expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);
    expect(state.sessions[POOL]).toMatchObject({ state: 'idle', task: null });

    // ...so dispatch resumes it under the new account: same conversation, CLAUDE_CONFIG_DIR = backup. Backup is
    // limited too, which gives the second detection: inside the cooldown it triggers nothing.
    await exhaust(rig.homes.backup);
    expect((await cli(rig, ['dispatch'])).exitCode).toBe(0);
    await waitFor('the pool conversation resumed under backup', async () => (await liveIn(rig, '.claude-backup', POOL)).some((e) => e.sessionId === poolId));
    await waitFor('the second limit screen', async () => readPane(await rig.tmux.capture(POOL)).limitBanner);
    const second = await cli(rig, ['check-quota', '--json']);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ account: 'backup', action: 'cooldown', swap: null, exhaustedUntil: null });
    expect(await linkTarget(rig)).toBe(rig.homes.backup);
    const after = await readState(rig);
    expect(after.swaps).toHaveLength(1);
    expect(after.accounts.backup?.exhaustedUntil ?? null).toBeNull();
  });

  it('--no-swap and --dry-run detect and report without swapping', async () => {
    const rig = await accountsRig();
    await exhaust(rig.homes.main);
    await dispatchTask(rig);
    await waitFor('the limit screen', async () => readPane(await rig.tmux.capture(POOL)).limitBanner);

    const dry = await cli(rig, ['check-quota', '--dry-run', '--json']);
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, action: 'swap', swap: { status: 'skipped', reason: 'dry run' } });
    expect((await readState(rig)).accounts.main?.exhaustedUntil ?? null).toBeNull();

    const noSwap = await cli(rig, ['check-quota', '--no-swap', '--json']);
    expect(noSwap.exitCode).toBe(0);
    expect(JSON.parse(noSwap.stdout)).toMatchObject({ noSwap: true, action: 'swap', swap: { status: 'skipped', reason: '--no-swap' } });
    expect(await linkTarget(rig)).toBe(rig.homes.main);
    const state = await readState(rig);
    expect(state.activeAccount).not.toBe('backup');
    expect(state.accounts.main?.exhaustedUntil).toEqual(expect.any(String));
    expect(await liveIn(rig, '.claude-main', DEDICATED)).toHaveLength(1);
  });

  it('every other account exhausted: exit 3 with the earliest reset, nothing stopped', async () => {
    const rig = await accountsRig();
    await exhaust(rig.homes.main); // main resets in 2 hours
    await dispatchTask(rig);
    await waitFor('the limit screen', async () => readPane(await rig.tmux.capture(POOL)).limitBanner);
    const state = await readState(rig);
    const backupUntil = new Date(Date.now() + 3_600_000).toISOString(); // backup in 1 hour: the earliest
    state.accounts.backup = { exhaustedUntil: backupUntil };
    await writeFile(rig.ctx.state.path, JSON.stringify(state));

    const run = await cli(rig, ['check-quota', '--json']);
    expect(run.exitCode).toBe(3);
    const result = JSON.parse(run.stdout);
    expect(result.swap).toMatchObject({ status: 'failed', code: 'all-exhausted', exitCode: 3, message: `all accounts exhausted until ${backupUntil}` });
    expect(run.stderr).toMatch(/event all-exhausted/);
    // Told once: the next poll is blocked as well, without a second notification.
    const again = await cli(rig, ['check-quota', '--json']);
    expect(again.exitCode).toBe(3);
    expect(again.stderr).not.toMatch(/event all-exhausted/);
    expect(await linkTarget(rig)).toBe(rig.homes.main);
    expect(await liveIn(rig, '.claude-main', DEDICATED)).toHaveLength(1);
  });

  it('--to the account already active (no ~/.claude yet, as after a migration) only creates the link', async () => {
    const rig = await accountsRig();
    const [before] = await liveIn(rig, '.claude-main', DEDICATED);
    await rm(rig.activeLink);
    const run = await cli(rig, ['swap-account', '--to', 'main', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).swap).toMatchObject({ status: 'already-active', from: 'main', to: 'main' });
    expect(await linkTarget(rig)).toBe(rig.homes.main);
    expect((await readState(rig)).activeAccount).toBe('main');
    expect((await liveIn(rig, '.claude-main', DEDICATED)).map((e) => e.pid)).toEqual([before?.pid]);
  });

  it('the interrupted task goes back to the session holding its conversation, before any more urgent task', async () => {
    const rig = await accountsRig();
    await exhaust(rig.homes.main);
    const poolId = await dispatchTask(rig, 'a.md');
    await waitFor('the limit screen', async () => readPane(await rig.tmux.capture(POOL)).limitBanner);
    expect((await cli(rig, ['check-quota'])).exitCode).toBe(0);
    const inbox = `${rig.project}/.agent-queue/inbox`;
    expect((await readState(rig)).sessions[POOL]).toMatchObject({ state: 'idle', resumeFor: `${inbox}/a.md` });

    // A critical task arrives: without the reservation it would take the only session and be typed into a.md's
    // conversation. It waits instead, and a.md resumes its own conversation.
    await writeFile(`${inbox}/urgent.md`, '---\npriority: critical\n---\nurgent\n');
    const run = await cli(rig, ['dispatch', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.launched).toEqual([expect.objectContaining({ session: POOL, task: 'a.md', resumed: true })]);
    expect(result.waiting).toBe(1);
    await waitFor('a.md resumed under backup', async () => (await liveIn(rig, '.claude-backup', POOL)).some((e) => e.sessionId === poolId));
    expect((await readState(rig)).sessions[POOL]?.resumeFor).toBeUndefined();
  });

  it('a dispatch killed after its intent or its launch command: reconcile gives the reservation back, and the task resumes its conversation', async () => {
    const rig = await accountsRig();
    await exhaust(rig.homes.main);
    const poolId = await dispatchTask(rig, 'a.md');
    await waitFor('the limit screen', async () => readPane(await rig.tmux.capture(POOL)).limitBanner);
    expect((await cli(rig, ['check-quota'])).exitCode).toBe(0);
    const pending = `${rig.project}/.agent-queue/inbox/a.md`;
    expect((await readState(rig)).sessions[POOL]).toMatchObject({ state: 'idle', resumeFor: pending });

    // Killed after the intent (which replaced the record holding the reservation), before the claim: undone.
    const killed = await cli(rig, ['dispatch'], 'dispatch:after-intent');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect((await readState(rig)).sessions[POOL]).toMatchObject({ state: 'working', launch: { pending, resumeId: poolId } });
    const undone = await cli(rig, ['reconcile', '--json']);
    expect(undone.exitCode, undone.stderr).toBe(0);
    expect(JSON.parse(undone.stdout).recovered).toEqual([expect.objectContaining({ session: POOL, task: 'a.md', action: 'undone' })]);
    expect((await readState(rig)).sessions[POOL]).toMatchObject({ state: 'idle', task: null, resumeFor: pending });
    expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);

    // Killed after typing the launch command (claimed, resume file consumed, nothing submitted): requeued, and again
    // the conversation goes back to the file and stays reserved for a.md.
    const typed = await cli(rig, ['dispatch'], 'dispatch:after-launch-command');
    expect(typed.signal, typed.stderr).toBe('SIGKILL');
    await expect(readFile(resumeFile(rig, POOL), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
    const requeued = await cli(rig, ['reconcile', '--json']);
    expect(requeued.exitCode, requeued.stderr).toBe(0);
    expect(JSON.parse(requeued.stdout).recovered).toEqual([expect.objectContaining({ session: POOL, task: 'a.md', action: 'requeued' })]);
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
    expect((await readState(rig)).sessions[POOL]).toMatchObject({ state: 'idle', task: null, resumeFor: pending });
    expect((await readFile(resumeFile(rig, POOL), 'utf8')).trim()).toBe(poolId);

    // The next dispatch gives a.md, and only a.md, its own conversation back, under the new account.
    await writeFile(`${rig.project}/.agent-queue/inbox/urgent.md`, '---\npriority: critical\n---\nurgent\n');
    const before = Date.now();
    const run = await cli(rig, ['dispatch', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).launched).toEqual([expect.objectContaining({ session: POOL, task: 'a.md', resumed: true })]);
    await waitFor('a.md submitted again', async () => (await submissions(rig.home)).some((s) => s.message.startsWith('[a.md]') && Date.parse(s.timestamp) >= before));
    const typedInto = (await submissions(rig.home)).filter((s) => s.message.startsWith('[a.md]') || s.message.startsWith('[urgent.md]'));
    expect(typedInto.map((s) => s.message.slice(0, s.message.indexOf(']') + 1))).not.toContain('[urgent.md]');
    expect(new Set(typedInto.map((s) => s.sessionId))).toEqual(new Set([poolId]));
    expect((await readState(rig)).sessions[POOL]?.resumeFor).toBeUndefined();
  });
});
