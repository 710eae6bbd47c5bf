import { lstat, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { POOL, exhaust } from '../../support/accounts.js';
import { queueFiles, registryEntries, submissionCount, waitFor } from '../../support/sessions.js';
import { expectExit, readState, type FailpointRow } from './failpoint-run.js';
import { HOOK_ROWS } from './failpoint-rows-hooks.js';
import { playPlatform, readJson, setTurns, type FailpointWorld } from './failpoint-world.js';

/**
 * The failpoint matrix: for every name in FAILPOINTS at least one row that reaches it in a small real
 * world. failpoint-matrix.test.ts fails when a name has no row; each row fails when its step never fires.
 */

// ---- queue world: scan-inbox (delegation) and reap-delegated ----------------------------------------------------

const inbox = async (world: FailpointWorld) => (await queueFiles(world.rig.project)).inbox;

/** Both delegated jobs submitted and finished on the platform (gpu.md completed, api.md failed). */
const jobsFinished = async (world: FailpointWorld) => {
  await expectExit(world, ['scan-inbox']);
  expect(world.server?.allJobs()).toHaveLength(2);
  playPlatform(world);
};

export const QUEUE_ROWS: FailpointRow[] = [
  {
    failpoint: 'scan-inbox:after-read',
    command: ['scan-inbox'],
    world: 'queue',
    reach: 'four new tasks, one hostile: every file read and routed, nothing moved or sent yet',
    killed: async (world) => {
      expect(await queueFiles(world.rig.project)).toEqual({ inbox: ['api.md', 'gpu.md', 'hostile.md', 'local.md'], done: [], failed: [] });
      expect(world.server?.counters.posts).toBe(0);
    },
  },
  {
    failpoint: 'scan-inbox:after-quarantine',
    command: ['scan-inbox'],
    world: 'queue',
    reach: 'the hostile task (alias bomb, control bytes in its body) moved to failed/ with its reason',
    killed: async (world) => expect((await queueFiles(world.rig.project)).failed).toEqual(['hostile.md']),
    check: async (world) => {
      const text = await readFile(join(world.rig.project, '.agent-queue', 'failed', 'hostile.md'), 'utf8');
      expect(text.match(/invalid task: .*alias/g)).toHaveLength(1);
    },
  },
  {
    failpoint: 'scan-inbox:after-intent',
    command: ['scan-inbox'],
    world: 'queue',
    reach: 'a delegated task\'s .delegating intent (its idempotency key) is durable, the POST not made',
    killed: async (world) => expect((await inbox(world)).filter((n) => n.endsWith('.delegating')).length).toBeGreaterThan(0),
  },
  {
    failpoint: 'scan-inbox:after-post',
    command: ['scan-inbox'],
    world: 'queue',
    reach: 'the platform created the job; the .delegated marker is not written',
    killed: async (world) => {
      expect(world.server?.counters.jobsCreated).toBeGreaterThan(0);
      expect((await inbox(world)).filter((n) => n.endsWith('.delegating')).length).toBeGreaterThan(0);
    },
    check: async (world) => {
      // The killed submission was sent again, with the same key, and the platform answered with the same job.
      const keys = world.server?.postKeys ?? [];
      expect(keys.length).toBeGreaterThan(new Set(keys).size);
      expect(world.server?.counters.jobsCreated).toBe(2);
    },
  },
  {
    failpoint: 'scan-inbox:after-marker',
    command: ['scan-inbox'],
    world: 'queue',
    reach: 'the .delegated marker written beside a leftover intent, the intent not yet removed',
    killed: async (world) => {
      const names = await inbox(world);
      expect(names.some((n) => n.endsWith('.delegated') && names.includes(n.replace(/\.delegated$/, '.delegating')))).toBe(true);
    },
  },
  {
    failpoint: 'scan-inbox:after-fallback-marker',
    command: ['scan-inbox'],
    world: 'queue',
    reach: 'the platform refuses every POST (400): a .local fall-back marker written, the intent not yet removed',
    prepare: async (world) => world.server?.inject({ kind: 'status', status: 400, body: '{"error":"bad request"}' }, { method: 'POST', times: 10 }),
    killed: async (world) => expect((await inbox(world)).filter((n) => n.endsWith('.local')).length).toBeGreaterThan(0),
    // Both delegated tasks fell back to a local session: they run there, once each.
    ends: { 'gpu.md': 'done', 'api.md': 'done' },
    check: async (world) => expect(world.server?.allJobs()).toEqual([]),
  },
  {
    failpoint: 'reap-delegated:after-record',
    command: ['reap-delegated'],
    world: 'queue',
    reach: 'a finished job\'s outcome (result included) recorded in its marker, the task not yet moved',
    prepare: jobsFinished,
    killed: async (world) => {
      const markers = (await inbox(world)).filter((n) => n.endsWith('.delegated'));
      const recorded = await Promise.all(markers.map(async (n) => 'final' in ((await readJson(join(world.rig.project, '.agent-queue', 'inbox', n))) as object)));
      // Jobs are polled side by side: one outcome or both may be recorded when the first run reaches the step.
      expect(recorded.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    },
  },
  {
    failpoint: 'reap-delegated:after-move',
    command: ['reap-delegated'],
    world: 'queue',
    reach: 'a reaped task moved to done/ or failed/ with its footer, its marker still in the inbox',
    prepare: jobsFinished,
    killed: async (world) => {
      const queue = await queueFiles(world.rig.project);
      const moved = [...queue.done, ...queue.failed].filter((name) => name !== 'hostile.md');
      expect(moved.some((name) => queue.inbox.includes(`${name}.delegated`)), JSON.stringify(queue)).toBe(true);
    },
  },
  {
    failpoint: 'reap-delegated:after-result',
    command: ['reap-delegated'],
    world: 'queue',
    reach: 'gpu.md\'s result file written beside it in done/, its marker still in the inbox',
    prepare: jobsFinished,
    killed: async (world) => {
      expect((await queueFiles(world.rig.project)).done).toEqual(['gpu.md', 'gpu.result.md']);
      expect(await inbox(world)).toContain('gpu.md.delegated');
    },
    check: async (world) => expect(await readFile(join(world.rig.project, '.agent-queue', 'done', 'gpu.result.md'), 'utf8')).toBe('Result of gpu.md.'),
  },
  {
    failpoint: 'reap-delegated:after-unmark',
    command: ['reap-delegated'],
    world: 'queue',
    reach: 'a reaped job\'s marker removed, the run killed before the next job and the counters',
    prepare: jobsFinished,
    // The other job is reaped side by side and may be just as far.
    killed: async (world) => expect((await inbox(world)).filter((n) => n.endsWith('.delegated')).length).toBeLessThan(2),
  },
];

// ---- pool world: dispatch and reconcile ---------------------------------------------------------------------

/** Both tasks claimed by rename (`inbox/T.md.dispatched`), none back in the inbox or finished. */
const claimed = async (world: FailpointWorld) =>
  expect(await queueFiles(world.rig.project)).toEqual({ inbox: ['a.md.dispatched', 'b.md.dispatched'], done: [], failed: [] });

const launchBoth = 'two local tasks pending, two idle pool sessions, both launched in parallel';

/** Both tasks dispatched and typed into their sessions. */
const dispatched = async (world: FailpointWorld) => {
  const out = JSON.parse(await expectExit(world, ['dispatch', '--json'])) as { launched: unknown[] };
  expect(out.launched).toHaveLength(2);
  await waitFor('both submissions', async () => (await submissionCount(world.home, 'a.md')) === 1 && (await submissionCount(world.home, 'b.md')) === 1);
};

/** Both tasks dispatched and their turns over: the next reconcile finds them finished. */
const finished = async (world: FailpointWorld) => {
  await dispatched(world);
  await waitFor('both turns to end', async () => {
    const entries = await registryEntries(world.home);
    return entries.length === 2 && entries.every((e) => e.status === 'idle');
  });
};

const sessionOf = async (world: FailpointWorld, task: string) => {
  const state = await readState(world);
  const found = Object.entries(state.sessions).find(([, r]) => r.task?.endsWith(`${task}.dispatched`));
  if (!found) throw new Error(`no session holds ${task}: ${JSON.stringify(state.sessions)}`);
  return found[0];
};

const SESSION_DIED = { tasks: ['a.md'], design: 'reconcile: a crashed session\'s task is re-queued and runs again' };

export const SESSION_ROWS: FailpointRow[] = [
  {
    failpoint: 'dispatch:after-intent',
    command: ['dispatch'],
    world: 'pool',
    reach: `${launchBoth}: the assignments saved, nothing claimed`,
    killed: async (world) => {
      expect((await queueFiles(world.rig.project)).inbox).toEqual(['a.md', 'b.md']);
      expect(Object.values((await readState(world)).sessions).filter((r) => (r as { launch?: unknown }).launch)).toHaveLength(2);
    },
  },
  { failpoint: 'dispatch:after-claim', command: ['dispatch'], world: 'pool', killed: claimed, reach: `${launchBoth}: both tasks claimed by rename, nothing launched` },
  { failpoint: 'dispatch:after-launch-command', command: ['dispatch'], world: 'pool', killed: claimed, reach: `${launchBoth}: the claude command line typed into a shell` },
  { failpoint: 'dispatch:after-prompt', command: ['dispatch'], world: 'pool', killed: claimed, reach: `${launchBoth}: Claude Code showed its input prompt` },
  { failpoint: 'dispatch:after-paste', command: ['dispatch'], world: 'pool', killed: claimed, reach: `${launchBoth}: a task message pasted, Enter not sent` },
  { failpoint: 'dispatch:after-enter', command: ['dispatch'], world: 'pool', killed: claimed, reach: `${launchBoth}: Enter sent, the submission not yet confirmed` },
  { failpoint: 'dispatch:after-commit', command: ['dispatch'], world: 'pool', killed: claimed, reach: `${launchBoth}: both launches committed to the state` },
  {
    failpoint: 'reconcile:after-finish-move',
    command: ['reconcile'],
    world: 'pool',
    reach: 'both tasks ran and their turns ended: a task moved to done/, its session not yet sent /exit',
    prepare: finished,
  },
  {
    failpoint: 'reconcile:after-exit',
    command: ['reconcile'],
    world: 'pool',
    reach: 'both tasks ran and their turns ended: a finished session sent /exit, not yet marked idle',
    prepare: finished,
  },
  {
    failpoint: 'reconcile:after-requeue',
    command: ['reconcile'],
    world: 'pool',
    reach: 'the tmux session running a.md was killed: a.md re-queued, the session not yet recreated',
    prepare: async (world) => {
      await dispatched(world);
      expect(await world.rig.tmux.killSession(await sessionOf(world, 'a.md'))).toBe(true);
    },
    atLeastOnce: SESSION_DIED,
    // It was submitted before its session died, so it runs exactly once more.
    check: async (world) => expect([await submissionCount(world.home, 'a.md'), await submissionCount(world.home, 'b.md')]).toEqual([2, 1]),
  },
  {
    failpoint: 'reconcile:after-requeue',
    command: ['reconcile'],
    world: 'pool',
    reach: 'recovering a dispatch killed after pasting (never submitted): the session recreated, its task re-queued',
    prepare: async (world) => {
      const killed = await world.run(['dispatch'], 'dispatch:after-paste');
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
    },
  },
  {
    failpoint: 'reconcile:after-failed-turn-requeue',
    command: ['reconcile'],
    world: 'pool',
    reach: 'both turns ended in an API error (400): a task given back to pending with its attempt counted, its session not yet sent /exit',
    prepare: async (world) => {
      await writeFile(join(world.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ mode: 'invalid-request', turnMs: 200 }));
      await finished(world);
    },
    killed: async (world) => {
      expect((await queueFiles(world.rig.project)).inbox.filter((n) => !n.endsWith('.dispatched'))).toHaveLength(1);
      // The API answers again: the tries after the recovery succeed.
      await setTurns(join(world.home, '.claude-main'), 300);
    },
    atLeastOnce: { tasks: ['a.md', 'b.md'], design: 'reconcile: a turn that ended in an API error is tried again' },
  },
  {
    failpoint: 'reconcile:after-create',
    command: ['reconcile'],
    world: 'pool',
    reach: 'an idle pool session vanished: reconcile created it again, not yet recorded',
    prepare: async (world) => expect(await world.rig.tmux.killSession('ccl-auto-12')).toBe(true),
    killed: async (world) => expect((await world.rig.tmux.listSessions()).sort()).toEqual(['ccl-auto-11', 'ccl-auto-12']),
  },
];

// ---- accounts world: swap-account, check-quota, validate-symlinks, the atomic link flip ----------------------

/** a.md is in the middle of a (5-second) turn in the pool session when the command starts. */
const busyPool = async (world: FailpointWorld) => {
  const rig = world.accountsRig;
  if (!rig) throw new Error('not an accounts world');
  for (const home of Object.values(rig.homes)) await setTurns(home, 5000);
  const out = JSON.parse(await expectExit(world, ['dispatch', '--json'])) as { launched: unknown[] };
  expect(out.launched).toHaveLength(1);
  await waitFor('a.md submitted', async () => (await submissionCount(world.home, 'a.md')) === 1);
};

/** Where the world ends: on which home, after how many recorded swaps (a swap finished twice would record two). */
const endsOn = (account: 'main' | 'backup', swaps: number) => async (world: FailpointWorld) => {
  const rig = world.accountsRig;
  if (!rig) throw new Error('not an accounts world');
  expect(await readlink(rig.activeLink)).toBe(rig.homes[account]);
  const state = await readState(world);
  expect(state.swaps.map((s) => `${s.from} → ${s.to}`)).toEqual(swaps === 0 ? [] : Array.from({ length: swaps }, () => 'main → backup'));
  // No temp link of a killed flip is left beside ~/.claude.
  expect((await readdir(world.home)).filter((name) => name.endsWith('.tmp-link'))).toEqual([]);
};

const REQUEUED = { tasks: ['a.md'], design: 'a swap re-queues the task of a stopped pool session; it resumes with --resume under the new account' };

/** Killed mid-swap: the journal is in the state for reconcile to finish or roll back. */
const journaled = async (world: FailpointWorld) => expect((await readState(world)).swapJournal).not.toBeNull();

const swapRow = (failpoint: FailpointRow['failpoint'], reach: string): FailpointRow => ({
  failpoint,
  command: ['swap-account', '--to', 'backup'],
  world: 'accounts',
  reach: `a.md mid-turn in the pool session: ${reach}`,
  prepare: busyPool,
  killed: journaled,
  atLeastOnce: REQUEUED,
  check: endsOn('backup', 1),
});

export const ACCOUNT_ROWS: FailpointRow[] = [
  swapRow('swap-account:after-journal', 'the swap journal saved, nothing else done'),
  swapRow('swap-account:after-resume-ids', 'the resume ids of the pool and dedicated sessions saved'),
  swapRow('swap-account:after-stop', 'the pool and dedicated sessions stopped, ~/.claude not flipped'),
  swapRow('swap-account:after-flip', '~/.claude flipped to backup, its shared links not yet ensured'),
  swapRow('swap-account:after-links', 'the shared links of backup ensured, the swap not committed'),
  swapRow('swap-account:after-commit', 'backup committed as the active account, no session back yet'),
  swapRow('swap-account:after-pool', 'the pool session recreated and a.md re-queued, the dedicated session not relaunched'),
  swapRow('swap-account:after-dedicated-launch', 'the dedicated conversation relaunched under backup, the journal not cleared'),
  {
    ...swapRow('symlink-replace:after-temp-link', 'the flip: a temp symlink to backup made, not yet renamed over ~/.claude'),
    killed: async (world) => {
      await journaled(world);
      expect(await readlink(join(world.home, '.claude'))).toBe(join(world.home, '.claude-main'));
      expect((await readdir(world.home)).filter((name) => name.endsWith('.tmp-link'))).toHaveLength(1);
    },
  },
  {
    ...swapRow('validate-symlinks:after-link', 'backup lacks its session-env link: the swap creates it after the flip'),
    prepare: async (world) => {
      await rm(join(world.home, '.claude-backup', 'session-env'));
      await busyPool(world);
    },
  },
  {
    failpoint: 'swap-account:after-rollback-flip',
    command: ['reconcile'],
    world: 'accounts',
    reach: 'reconcile rolling back a swap that was killed right after stopping the sessions (journal phase stopping)',
    prepare: async (world) => {
      await busyPool(world);
      const killed = await world.run(['swap-account', '--to', 'backup'], 'swap-account:after-stop');
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
    },
    killed: async (world) => expect((await readState(world)).swapJournal).toMatchObject({ phase: 'rolling-back' }),
    atLeastOnce: REQUEUED,
    check: endsOn('main', 0),
  },
  {
    failpoint: 'check-quota:after-detection',
    command: ['check-quota'],
    world: 'accounts',
    reach: 'a.md\'s turn hit the 5-hour limit: main recorded as exhausted, the swap not started',
    prepare: async (world) => {
      await exhaust(world.accountsRig?.homes.main as string);
      const out = JSON.parse(await expectExit(world, ['dispatch', '--json'])) as { launched: unknown[] };
      expect(out.launched).toHaveLength(1);
      await waitFor('the limit screen', async () => readPane(await world.rig.tmux.capture(POOL)).limitBanner);
    },
    killed: async (world) => {
      const state = await readState(world);
      expect(state.accounts.main?.exhaustedUntil).toEqual(expect.any(String));
      expect(state.swapJournal).toBeNull();
      expect(await readlink(join(world.home, '.claude'))).toBe(join(world.home, '.claude-main'));
    },
    atLeastOnce: REQUEUED,
    check: async (world) => {
      await endsOn('backup', 1)(world);
      expect((await readState(world)).accounts.main?.exhaustedUntil).toEqual(expect.any(String));
    },
  },
  {
    failpoint: 'validate-symlinks:after-mkdir',
    command: ['validate-symlinks', '--fix'],
    world: 'accounts',
    reach: 'the shared session-env folder and backup\'s link to it are missing: --fix made the folder, not the link',
    prepare: async (world) => {
      await rm(join(world.home, '.claude-shared', 'session-env'), { recursive: true });
      await rm(join(world.home, '.claude-backup', 'session-env'));
    },
    killed: async (world) => {
      expect((await lstat(join(world.home, '.claude-shared', 'session-env'))).isDirectory()).toBe(true);
      await expect(lstat(join(world.home, '.claude-backup', 'session-env'))).rejects.toMatchObject({ code: 'ENOENT' });
    },
    check: async (world) => {
      expect((await lstat(join(world.home, '.claude-shared', 'session-env'))).isDirectory()).toBe(true);
      await endsOn('main', 0)(world);
    },
  },
  {
    failpoint: 'validate-symlinks:after-link',
    command: ['validate-symlinks', '--fix'],
    world: 'accounts',
    reach: 'backup lacks its projects and file-history links: --fix made the first, not the second',
    prepare: async (world) => {
      for (const entry of ['projects', 'file-history']) await rm(join(world.home, '.claude-backup', entry));
    },
    killed: async (world) => {
      const present = await Promise.all(['projects', 'file-history'].map((e) => lstat(join(world.home, '.claude-backup', e)).then(() => 1, () => 0)));
      expect(present.reduce((a: number, b: number) => a + b, 0)).toBe(1);
    },
    check: endsOn('main', 0),
  },
];

export const ALL_ROWS: FailpointRow[] = [...QUEUE_ROWS, ...SESSION_ROWS, ...ACCOUNT_ROWS, ...HOOK_ROWS];
