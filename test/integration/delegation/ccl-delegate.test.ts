import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cclDelegate, claudeFailover, type CliRun } from '../../support/cli.js';
import { writeTestConfig } from '../../support/context.js';
import { TEST_API_KEY, delegationConfig, useDelegationRig, writeTask } from '../../support/delegation.js';
import { queueFiles } from '../../support/sessions.js';

/**
 * The built CLIs as real processes against the fake platform: failpoints kill them (SIGKILL) at every named step of
 * submission and reaping, and the next run must finish the work with exactly one job and one copy of every file.
 */
describe('delegation through the built CLIs', () => {
  const rig = useDelegationRig();
  let config: string;

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ SECUTOOLS_API_KEY: TEST_API_KEY, HOME: rig.home, ...extra });
  const seen = (run: CliRun) => {
    rig.watch.see(run.stdout, run.stderr);
    return run;
  };
  const cf = async (args: string[], extra: NodeJS.ProcessEnv = {}) => seen(await claudeFailover([...args, '--config', config], { env: env(extra) }));
  const cd = async (args: string[], extra: NodeJS.ProcessEnv = {}) => seen(await cclDelegate([...args, '--config', config], { env: env(extra) }));
  const state = async () => JSON.parse(await readFile(join(rig.home, 'state/state.json'), 'utf8')) as { counters: Record<string, number> };

  beforeEach(async () => {
    config = await writeTestConfig(rig.home, { projects: [rig.project], delegation: delegationConfig(rig.server.url) });
  });

  describe('a kill during submission is finished by the next scan with one job', () => {
    beforeEach(async () => {
      await writeTask(rig.project, 'gpu.md', { title: 'GPU work', priority: 'high', allow_delegation: true, preferred_ai: 'gpu' });
    });

    it('killed between POST and marker (scan-inbox:after-post): the same key gets the same job', async () => {
      const killed = await cf(['scan-inbox'], { CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-post' });
      expect(killed.signal).toBe('SIGKILL');
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.delegating']);
      expect(rig.server.counters.jobsCreated).toBe(1);
      const [job] = rig.server.allJobs();

      const again = await cf(['scan-inbox', '--json']);
      expect(again.exitCode).toBe(0);
      const result = JSON.parse(again.stdout) as { submitted: Array<{ jobId: string; resumed: boolean }> };
      expect(result.submitted).toMatchObject([{ jobId: job?.id, resumed: true }]);
      expect(rig.server.counters.jobsCreated).toBe(1);
      expect(rig.server.postKeys).toHaveLength(2);
      expect(new Set(rig.server.postKeys).size).toBe(1);
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.delegated']);
      const marker = JSON.parse(await readFile(join(rig.queue, 'inbox/gpu.md.delegated'), 'utf8')) as Record<string, unknown>;
      expect(marker).toMatchObject({ jobId: job?.id, idempotencyKey: job?.idempotencyKey, provider: 'gpu', priority: 'high', title: 'GPU work' });
      expect((await state()).counters.delegated).toBe(1);
    });

    it('killed after the intent, before the POST (scan-inbox:after-intent)', async () => {
      expect((await cf(['scan-inbox'], { CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-intent' })).signal).toBe('SIGKILL');
      expect(rig.server.counters.posts).toBe(0);
      expect((await cf(['scan-inbox'])).exitCode).toBe(0);
      expect(rig.server.counters.jobsCreated).toBe(1);
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.delegated']);
    });

    it('killed after the marker, before the intent went (scan-inbox:after-marker): no second POST', async () => {
      expect((await cf(['scan-inbox'], { CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-marker' })).signal).toBe('SIGKILL');
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.delegated', 'gpu.md.delegating']);
      expect((await cf(['scan-inbox'])).exitCode).toBe(0);
      expect(rig.server.counters.posts).toBe(1);
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.delegated']);
    });

    it('killed after the fall-back marker (scan-inbox:after-fallback-marker): stays local, never sent', async () => {
      rig.server.inject({ kind: 'status', status: 400, body: '{"error":"bad request"}' }, { method: 'POST' });
      expect((await cf(['scan-inbox'], { CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-fallback-marker' })).signal).toBe('SIGKILL');
      const again = await cf(['scan-inbox', '--json']);
      expect(again.exitCode).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ pending: [{ task: 'gpu.md', provider: 'claude-code' }], submitted: [] });
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.local']);
      expect(rig.server.counters.posts).toBe(1);
    });
  });

  describe('a kill during submission, then delegation turned off', () => {
    it('the next scan exits 0 and falls the task back to local (nothing sent); the scan after is clean', async () => {
      await writeTask(rig.project, 'gpu.md', { allow_delegation: true, preferred_ai: 'gpu' });
      expect((await cf(['scan-inbox'], { CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-intent' })).signal).toBe('SIGKILL');
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.delegating']);
      await writeFile(config, (await readFile(config, 'utf8')).replace('enabled: true', 'enabled: false'));

      const again = await cf(['scan-inbox', '--json']);
      expect(again.exitCode, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({
        errors: [],
        submitted: [],
        fellBack: [{ task: 'gpu.md', provider: 'gpu', reason: 'delegation not active: delegation.enabled is false' }],
        pending: [{ task: 'gpu.md', provider: 'claude-code', delegated: false }],
      });
      expect((await queueFiles(rig.project)).inbox).toEqual(['gpu.md', 'gpu.md.local']);
      expect(rig.server.counters.posts).toBe(0);

      const third = await cf(['scan-inbox', '--json']);
      expect(third.exitCode, third.stderr).toBe(0);
      expect(JSON.parse(third.stdout)).toMatchObject({ errors: [], fellBack: [], pending: [{ task: 'gpu.md', provider: 'claude-code' }] });
      expect((await state()).counters.delegationFellBack).toBe(1);
    });
  });

  it('a failed job reaped after a kill at reap-delegated:after-move still raises task-failed once', async () => {
    const events = join(rig.home, 'events.jsonl');
    config = await writeTestConfig(rig.home, { projects: [rig.project], delegation: delegationConfig(rig.server.url), notify: { command: `cat >> '${events}'` } });
    await writeTask(rig.project, 'job.md', { allow_delegation: true });
    expect((await cf(['scan-inbox'])).exitCode).toBe(0);
    const [job] = rig.server.allJobs();
    rig.server.failJob(job?.id as string, 'backend crashed');

    expect((await cf(['reap-delegated'], { CLAUDE_FAILOVER_FAILPOINT: 'reap-delegated:after-move' })).signal).toBe('SIGKILL');
    expect((await queueFiles(rig.project)).failed).toEqual(['job.md']);
    const again = await cf(['reap-delegated', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await queueFiles(rig.project)).toEqual({ inbox: [], done: [], failed: ['job.md'] });
    const raised = (await readFile(events, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(raised).toEqual([
      expect.objectContaining({ event: 'task-failed', task: 'job.md', jobId: job?.id, movedTo: join(rig.queue, 'failed/job.md'), message: expect.stringContaining('backend crashed') }),
    ]);
  });

  describe('a kill during reaping is finished by the next run: one done file, one result', () => {
    for (const step of ['reap-delegated:after-record', 'reap-delegated:after-move', 'reap-delegated:after-result', 'reap-delegated:after-unmark']) {
      it(step, async () => {
        await writeTask(rig.project, 'job.md', { allow_delegation: true, body: 'Summarise.' });
        expect((await cf(['scan-inbox'])).exitCode).toBe(0);
        const [job] = rig.server.allJobs();
        rig.server.completeJob(job?.id as string, { result: 'The summary.' });

        expect((await cf(['reap-delegated'], { CLAUDE_FAILOVER_FAILPOINT: step })).signal).toBe('SIGKILL');
        const again = await cf(['reap-delegated', '--json']);
        expect(again.exitCode).toBe(0);
        expect((await queueFiles(rig.project)).inbox).toEqual([]);
        expect((await queueFiles(rig.project)).done).toEqual(['job.md', 'job.result.md']);
        expect(await readFile(join(rig.queue, 'done/job.result.md'), 'utf8')).toBe('The summary.');
        expect((await readFile(join(rig.queue, 'done/job.md'), 'utf8')).split('claude-failover: done').length).toBe(2);
      });
    }
  });

  it('scan-inbox -v: 503s then success create exactly one job; the retries are logged, the key is not', async () => {
    await writeTask(rig.project, 'a.md', { allow_delegation: true });
    rig.server.inject({ kind: 'status', status: 503, retryAfter: '1' }, { times: 2, method: 'POST' });
    const run = await cf(['scan-inbox', '-v', '--json']);
    expect(run.exitCode).toBe(0);
    expect((JSON.parse(run.stdout) as { submitted: unknown[] }).submitted).toHaveLength(1);
    expect(rig.server.counters.posts).toBe(3);
    expect(rig.server.counters.jobsCreated).toBe(1);
    expect(rig.server.postKeys).toHaveLength(3);
    expect(new Set(rig.server.postKeys).size).toBe(1);
    expect(run.stderr).toContain('attempt 2 got HTTP 503; retrying in 1.0s');
  });

  it('scan-inbox with a wrong key: falls back, and says it is an authentication problem with the variable', async () => {
    await writeTask(rig.project, 'a.md', { allow_delegation: true });
    const run = await cf(['scan-inbox', '--json'], { SECUTOOLS_API_KEY: 'definitely-wrong-key-999' });
    expect(run.exitCode).toBe(0);
    const result = JSON.parse(run.stdout) as { fellBack: Array<{ reason: string }> };
    expect(result.fellBack[0]?.reason).toContain('an authentication problem with $SECUTOOLS_API_KEY');
    expect(run.stderr).toContain('falls back to local Claude Code');
    expect(run.stderr).not.toContain('definitely-wrong-key-999');
    expect((await state()).counters.delegationFellBack).toBe(1);
  });

  it('reap-delegated --json prints one document; a platform that cannot be reached exits 1 and keeps the job', async () => {
    await writeTask(rig.project, 'a.md', { allow_delegation: true });
    await cf(['scan-inbox']);
    await rig.server.stop();
    const run = await cf(['reap-delegated', '--json', '-v']);
    expect(run.exitCode).toBe(1);
    const result = JSON.parse(run.stdout) as { unreachable: Array<{ message: string }> };
    expect(result.unreachable[0]?.message).toContain('ECONNREFUSED');
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md', 'a.md.delegated']);
  });

  describe('ccl-delegate', () => {
    it('submit a task file prints the job id; get prints the status; result --wait prints the result', async () => {
      const task = await writeTask(rig.project, 'ask.md', { priority: 'low', allow_delegation: true, preferred_ai: 'gemini', body: 'What is 2+2?' });
      const submit = await cd(['submit', task]);
      expect(submit.exitCode).toBe(0);
      const jobId = submit.stdout.trim();
      expect(rig.server.job(jobId)?.request).toMatchObject({ prompt: 'What is 2+2?', provider: 'gemini', priority: 'low', metadata: { project: rig.project, task: 'ask.md' } });

      expect(await cd(['get', jobId])).toMatchObject({ exitCode: 0, stdout: 'running' });
      rig.server.completeAfterMs = 300;
      const result = await cd(['result', jobId, '--wait', '--timeout', '20s']);
      expect(result).toMatchObject({ exitCode: 0, stdout: `Result of ${jobId}` });
      const json = await cd(['get', jobId, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ jobId, status: 'completed', provider: 'gemini' });
    });

    it('submit --prompt with overrides, and --json', async () => {
      const run = await cd(['submit', '--prompt', 'Translate this', '--provider', 'Claude-API', '--priority', 'CRITICAL', '--json']);
      expect(run.exitCode).toBe(0);
      const result = JSON.parse(run.stdout) as { jobId: string; provider: string; priority: string };
      expect(result).toMatchObject({ provider: 'claude-api', priority: 'critical', status: 'queued' });
      expect(rig.server.job(result.jobId)?.request).toMatchObject({ prompt: 'Translate this', provider: 'claude-api', priority: 'critical' });
    });

    it('the same --idempotency-key twice gives the same job', async () => {
      const first = await cd(['submit', '--prompt', 'x', '--idempotency-key', 'nightly-2026-11-21']);
      const second = await cd(['submit', '--prompt', 'x', '--idempotency-key', 'nightly-2026-11-21']);
      expect(second.stdout).toBe(first.stdout);
      expect(rig.server.counters.jobsCreated).toBe(1);
    });

    it('a task that routes to claude-code is refused (exit 1) unless --provider overrides', async () => {
      const task = await writeTask(rig.project, 'local.md', { needs_claude_code: true });
      const refused = await cd(['submit', task]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('routes to claude-code (needs_claude_code=true); not submitted');
      expect(rig.server.counters.posts).toBe(0);
      expect((await cd(['submit', task, '--provider', 'gpu'])).exitCode).toBe(0);
    });

    it('a failed job: get prints "failed" and exits 1; result exits 1 with the error on stderr', async () => {
      const jobId = (await cd(['submit', '--prompt', 'x'])).stdout.trim();
      rig.server.failJob(jobId, 'model refused');
      expect(await cd(['get', jobId])).toMatchObject({ exitCode: 1, stdout: 'failed' });
      const result = await cd(['result', jobId, '--wait']);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`job ${jobId} failed: model refused`);
    });

    it('result of an unfinished job: exit 1 without --wait; exit 1 when the wait times out', async () => {
      const jobId = (await cd(['submit', '--prompt', 'x'])).stdout.trim();
      const now = await cd(['result', jobId]);
      expect(now.exitCode).toBe(1);
      expect(now.stderr).toContain('is still running; use --wait');
      const waited = await cd(['result', jobId, '--wait', '--timeout', '1500ms', '--json']);
      expect(waited.exitCode).toBe(1);
      expect(JSON.parse(waited.stdout)).toMatchObject({ jobId, finished: false, timedOut: true, status: 'running' });
      expect(waited.stderr).toContain('did not finish within 1s');
    });

    it('usage errors exit 2 and name what to fix; an unknown job exits 1', async () => {
      const noKey = await cd(['get', 'job-1'], { SECUTOOLS_API_KEY: '' });
      expect(noKey.exitCode).toBe(2);
      expect(noKey.stderr).toContain('$SECUTOOLS_API_KEY is not set');
      const badId = await cd(['get', '../etc/passwd']);
      expect(badId.exitCode).toBe(2);
      expect((await cd(['submit'])).exitCode).toBe(2);
      expect((await cd(['submit', '--prompt', 'x', '--provider', 'claude-code'])).exitCode).toBe(2);
      expect((await cd(['result', 'job-1', '--timeout', 'soon'])).exitCode).toBe(2);
      const unknown = await cd(['get', 'job-404']);
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toContain('secutools does not know job job-404');

      await writeFile(config, (await readFile(config, 'utf8')).replace('enabled: true', 'enabled: false'));
      const disabled = await cd(['get', 'job-1']);
      expect(disabled.exitCode).toBe(2);
      expect(disabled.stderr).toContain('delegation.enabled is false');
    });
  });
});
