import { lstat, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { moveWithFooter } from '../../../src/queue/files.js';
import { run as reapDelegated, exitCode as reapExitCode } from '../../../src/delegation/reap-delegated.command.js';
import { run as scanInbox } from '../../../src/queue/scan-inbox.command.js';
import { delegationFooter } from '../../../src/delegation/core/reap-plan.js';
import type { NotifyEvent } from '../../../src/base/notify.js';
import type { DelegatedMarker, RecordedOutcome } from '../../../src/delegation/core/markers.js';
import { makeTestContext, type TestContext } from '../../support/context.js';
import { TEST_API_KEY, delegationConfig, useDelegationRig, writeTask } from '../../support/delegation.js';
import { queueFiles } from '../../support/sessions.js';
import { writeFiles } from '../../support/temp.js';

describe('reap-delegated (in process, real HTTP server, real files)', () => {
  const rig = useDelegationRig();
  let ctx: TestContext;

  const context = (delegation: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = { SECUTOOLS_API_KEY: TEST_API_KEY }) =>
    makeTestContext({ home: rig.home, env, config: { projects: [rig.project], delegation: delegationConfig(rig.server.url, delegation) } });
  const reap = async (options = { dryRun: false }) => {
    const result = await reapDelegated(options, ctx);
    rig.watch.see(JSON.stringify(result), ...ctx.logLines.map((l) => l.message));
    return result;
  };
  const read = (dir: string, name: string) => readFile(join(rig.queue, dir, name), 'utf8');
  const counters = async () => (await ctx.state.load()).counters;
  /** Records the events the run raises (the notify port of the context; the real one runs a shell command). */
  const recordEvents = () => {
    const events: NotifyEvent[] = [];
    ctx.notify = async (event) => void events.push(event);
    return events;
  };

  /** Submits tasks through scan-inbox, as in production; returns their job ids by task name. */
  async function delegate(...names: string[]): Promise<Record<string, string>> {
    for (const name of names) await writeTask(rig.project, name, { title: `Title of ${name}`, allow_delegation: true, body: `Body of ${name}` });
    const result = await scanInbox({ dryRun: false }, ctx);
    rig.watch.see(JSON.stringify(result));
    expect(result.submitted).toHaveLength(names.length);
    return Object.fromEntries(result.submitted.map((s) => [s.task, s.jobId]));
  }

  beforeEach(() => {
    ctx = context();
  });

  it('completed → done/T.md with the footer and done/T.result.md; marker gone; counted', async () => {
    const jobs = await delegate('report.md');
    const jobId = jobs['report.md'] as string;
    rig.server.completeJob(jobId, { result: '# Findings\n\nAll clear.\n', costUsd: 0.0421, provider: 'gemini-2.5' });
    ctx.setNow(new Date('2026-11-21T12:03:00Z'));

    const result = await reap();
    expect(result.completed).toMatchObject([{ task: 'report.md', jobId, status: 'completed', ranOn: 'gemini-2.5', costUsd: 0.0421 }]);
    expect((await queueFiles(rig.project)).inbox).toEqual([]);
    expect((await queueFiles(rig.project)).done).toEqual(['report.md', 'report.result.md']);
    expect(await read('done', 'report.result.md')).toBe('# Findings\n\nAll clear.\n');
    const done = await read('done', 'report.md');
    expect(done).toContain('Body of report.md');
    for (const line of ['- ran on: secutools (gemini-2.5)', '- cost: $0.0421', `- job id: ${jobId}`, '- submitted: 2026-11-21T12:00:00.000Z', '- finished: 2026-11-21T12:03:00.000Z', '- duration: 3m']) {
      expect(done).toContain(line);
    }
    expect(await counters()).toMatchObject({ delegated: 1, delegationCompleted: 1, delegationFailed: 0 });
    expect(reapExitCode(result)).toBe(0);
  });

  it('failed and cancelled → failed/ with the platform error in the footer; one task-failed event each', async () => {
    const events = recordEvents();
    const jobs = await delegate('a.md', 'b.md');
    rig.server.failJob(jobs['a.md'] as string, 'CUDA out of memory');
    rig.server.failJob(jobs['b.md'] as string, 'cancelled by an operator', 'cancelled');
    const result = await reap();
    expect(result.failed.map((f) => [f.task, f.status])).toEqual([['a.md', 'failed'], ['b.md', 'cancelled']]);
    expect((await queueFiles(rig.project)).failed).toEqual(['a.md', 'b.md']);
    expect(await read('failed', 'a.md')).toContain('- reason: secutools job failed: CUDA out of memory');
    expect(await read('failed', 'b.md')).toContain('- reason: secutools job cancelled: cancelled by an operator');
    expect(await counters()).toMatchObject({ delegationCompleted: 0, delegationFailed: 2 });
    expect(events.map((e) => [e.event, e.task, e.jobId, e.movedTo]).sort()).toEqual([
      ['task-failed', 'a.md', jobs['a.md'], join(rig.queue, 'failed/a.md')],
      ['task-failed', 'b.md', jobs['b.md'], join(rig.queue, 'failed/b.md')],
    ]);
  });

  it('still running: waits within job_timeout, then fails as "timed out"', async () => {
    ctx = context({ job_timeout: '1h' });
    const jobs = await delegate('slow.md');
    ctx.setNow(new Date('2026-11-21T12:30:00Z'));
    const early = await reap();
    expect(early.waiting).toMatchObject([{ task: 'slow.md', jobId: jobs['slow.md'], status: 'running', age: '30m' }]);
    expect((await queueFiles(rig.project)).inbox).toEqual(['slow.md', 'slow.md.delegated']);

    ctx.setNow(new Date('2026-11-21T13:30:01Z'));
    const late = await reap();
    expect(late.failed).toMatchObject([{ task: 'slow.md', status: 'timed-out' }]);
    expect(await read('failed', 'slow.md')).toContain('- reason: timed out: still running 1h 30m after submission (delegation.job_timeout is 1h)');
  });

  it('a job the platform does not know (404) → failed/ "unknown job"', async () => {
    const jobs = await delegate('lost.md');
    rig.server.forgetJob(jobs['lost.md'] as string);
    const result = await reap();
    expect(result.failed).toMatchObject([{ task: 'lost.md', status: 'unknown-job' }]);
    expect(await read('failed', 'lost.md')).toContain('- reason: unknown job: secutools does not know job');
  });

  it('network trouble: the job stays as it is and is reported (exit 1); the next run reaps it', async () => {
    ctx = context({ request_timeout: '300ms', retries: 1 });
    const jobs = await delegate('a.md', 'b.md');
    rig.server.completeJob(jobs['a.md'] as string);
    rig.server.inject({ kind: 'status', status: 503 }, { times: 1000, method: 'GET' });
    const result = await reap();
    expect(result.unreachable.map((u) => u.task)).toEqual(['a.md', 'b.md']);
    expect(result.unreachable[0]?.message).toContain('kept answering GET');
    expect(reapExitCode(result)).toBe(1);
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md', 'a.md.delegated', 'b.md', 'b.md.delegated']);

    rig.server.clearFaults();
    const next = await reap();
    expect(next.completed.map((c) => c.task)).toEqual(['a.md']);
    expect(next.waiting.map((w) => w.task)).toEqual(['b.md']);
  });

  it('once the platform is found down, jobs already waiting for a poll slot are not polled', async () => {
    // One poll at a time, two workers: b.md waits for the slot while a.md's poll hangs until its deadline.
    ctx = context({ request_timeout: '200ms', retries: 0, poll_concurrency: 1 });
    await delegate('a.md', 'b.md', 'c.md', 'd.md');
    rig.server.inject({ kind: 'hang' }, { times: 1000, method: 'GET' });
    const result = await reap();
    expect(rig.server.counters.gets).toBe(1);
    expect(result.polled).toBe(1);
    expect(result.unreachable.map((u) => u.task)).toEqual(['a.md', 'b.md', 'c.md', 'd.md']);
    const skipped = result.unreachable.filter((u) => u.message === 'not polled: secutools is out of reach in this run (timeout)');
    expect(skipped).toHaveLength(3);
    expect(reapExitCode(result)).toBe(1);
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md', 'a.md.delegated', 'b.md', 'b.md.delegated', 'c.md', 'c.md.delegated', 'd.md', 'd.md.delegated']);
  });

  it('delegation switched off: nothing is polled, the jobs stay and are reported', async () => {
    await delegate('a.md');
    ctx = context({}, {});
    const result = await reap();
    expect(result.delegation).toEqual({ active: false, reason: 'delegation is enabled but $SECUTOOLS_API_KEY is not set' });
    expect(result.unreachable).toMatchObject([{ task: 'a.md', message: expect.stringContaining('delegation is not active') }]);
    expect(rig.server.counters.gets).toBe(0);
  });

  it('polls with bounded concurrency (poll_concurrency), seen from the server side', async () => {
    rig.server.latencyMs = 30;
    ctx = context({ poll_concurrency: 3 });
    const names = Array.from({ length: 12 }, (_, i) => `t${String(i).padStart(2, '0')}.md`);
    const jobs = await delegate(...names);
    for (const id of Object.values(jobs)) rig.server.completeJob(id);
    rig.server.counters.maxInFlight = 0;
    const result = await reap();
    expect(result.completed).toHaveLength(12);
    expect(result.concurrency).toBe(3);
    expect(rig.server.counters.maxInFlight).toBeLessThanOrEqual(3);
    expect(rig.server.counters.maxInFlight).toBeGreaterThan(1);
  });

  it('a dry run polls and reports but moves nothing', async () => {
    const jobs = await delegate('a.md');
    rig.server.completeJob(jobs['a.md'] as string);
    const result = await reap({ dryRun: true });
    expect(result.completed).toMatchObject([{ task: 'a.md', movedTo: null }]);
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md', 'a.md.delegated']);
    expect((await counters()).delegationCompleted).toBe(0);
  });

  it('never overwrites: a name clash in done/ gets a suffix, and so does its result', async () => {
    await writeFiles(rig.queue, { 'done/a.md': 'an older task of the same name', 'done/a.result.md': 'its result' });
    const jobs = await delegate('a.md');
    rig.server.completeJob(jobs['a.md'] as string, { result: 'new result' });
    const result = await reap();
    expect(result.completed[0]?.movedTo).toBe(join(rig.queue, 'done/a-1.md'));
    expect(result.completed[0]?.resultFile).toBe(join(rig.queue, 'done/a-1.result.md'));
    expect(await read('done', 'a.md')).toBe('an older task of the same name');
    expect(await read('done', 'a-1.result.md')).toBe('new result');
  });

  describe('finishing what a killed run left', () => {
    async function recorded(name: string, outcome: Partial<RecordedOutcome> = {}): Promise<{ path: string; marker: DelegatedMarker; final: RecordedOutcome }> {
      const jobs = await delegate(name);
      const path = join(rig.queue, 'inbox', name);
      const marker = JSON.parse(await readFile(`${path}.delegated`, 'utf8')) as DelegatedMarker;
      const final: RecordedOutcome = {
        outcome: 'done', status: 'completed', reason: 'completed', ranOn: 'gpu', costUsd: 1, result: 'recorded result',
        finishedAt: '2026-11-21T12:05:00.000Z', taskInode: (await lstat(path)).ino, ...outcome,
      };
      await writeFile(`${path}.delegated`, JSON.stringify({ ...marker, final }));
      // The platform has since forgotten the job: finishing must not need it.
      rig.server.forgetJob(jobs[name] as string);
      return { path, marker, final };
    }

    it('killed after recording the outcome: finished from the marker, without asking the platform', async () => {
      await recorded('a.md');
      const gets = rig.server.counters.gets;
      const result = await reap();
      expect(rig.server.counters.gets).toBe(gets);
      expect(result.completed).toMatchObject([{ task: 'a.md', status: 'completed' }]);
      expect((await queueFiles(rig.project)).done).toEqual(['a.md', 'a.result.md']);
      expect(await read('done', 'a.result.md')).toBe('recorded result');
      expect((await queueFiles(rig.project)).inbox).toEqual([]);
    });

    it('killed after the move: the moved file is found by inode; one copy, one footer, one result', async () => {
      const { path, marker, final } = await recorded('a.md');
      await moveWithFooter(path, rig.project, 'done', delegationFooter(marker, final));
      await reap();
      expect((await queueFiles(rig.project)).done).toEqual(['a.md', 'a.result.md']);
      expect((await read('done', 'a.md')).split('claude-failover: done').length).toBe(2);
      expect((await queueFiles(rig.project)).inbox).toEqual([]);
    });

    it('killed after moving a failed task: the next run still raises task-failed (at least once)', async () => {
      const events = recordEvents();
      const failed = { outcome: 'failed', status: 'failed', reason: 'secutools job failed: boom', result: null } as const;
      const { path, marker, final } = await recorded('a.md', failed);
      await moveWithFooter(path, rig.project, 'failed', delegationFooter(marker, final));
      const result = await reap();
      expect(result.failed).toMatchObject([{ task: 'a.md', movedTo: join(rig.queue, 'failed/a.md') }]);
      expect(events).toEqual([
        expect.objectContaining({ event: 'task-failed', task: 'a.md', jobId: marker.jobId, movedTo: join(rig.queue, 'failed/a.md'), message: expect.stringContaining('boom') }),
      ]);
      expect(await queueFiles(rig.project)).toEqual({ inbox: [], done: [], failed: ['a.md'] });
    });

    it('killed after the move, and a new task of the same name arrived: the new one is left alone', async () => {
      const { path, marker, final } = await recorded('a.md');
      await moveWithFooter(path, rig.project, 'done', delegationFooter(marker, final));
      await writeTask(rig.project, 'a.md', { body: 'a brand new task' });
      await reap();
      expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
      expect(await read('inbox', 'a.md')).toContain('a brand new task');
      expect((await queueFiles(rig.project)).done).toEqual(['a.md', 'a.result.md']);
    });

    it('killed after writing the result: the result is not written twice', async () => {
      const { path, marker, final } = await recorded('a.md');
      const moved = await moveWithFooter(path, rig.project, 'done', delegationFooter(marker, final));
      await writeFile(moved.replace(/\.md$/, '.result.md'), 'recorded result');
      await reap();
      expect((await queueFiles(rig.project)).done).toEqual(['a.md', 'a.result.md']);
    });
  });

  it('an unreadable marker is reported and left alone', async () => {
    await writeFiles(rig.queue, { 'inbox/x.md': 'task', 'inbox/x.md.delegated': '{"version": 1, "jobId": "../../etc"}' });
    const result = await reap();
    expect(result.errors).toMatchObject([{ task: 'x.md', message: expect.stringContaining('x.md.delegated is unreadable') }]);
    expect((await queueFiles(rig.project)).inbox).toEqual(['x.md', 'x.md.delegated']);
  });
});
