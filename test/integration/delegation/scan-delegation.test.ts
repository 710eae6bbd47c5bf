import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { listInbox } from '../../../src/queue/files.js';
import { parseDelegatedMarker, parseLocalFallback, runsLocally } from '../../../src/delegation/core/markers.js';
import { decide } from '../../../src/queue/core/routing.js';
import { parseTask } from '../../../src/queue/core/task.js';
import { exitCode as scanExitCode, run as scanInbox } from '../../../src/queue/scan-inbox.command.js';
import { makeTestContext, type TestContext } from '../../support/context.js';
import { TEST_API_KEY, delegationConfig, useDelegationRig, writeTask } from '../../support/delegation.js';
import { queueFiles } from '../../support/sessions.js';

describe('scan-inbox submits delegated tasks (in process, real HTTP server, real files)', () => {
  const rig = useDelegationRig();
  let ctx: TestContext;

  const context = (delegation: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = { SECUTOOLS_API_KEY: TEST_API_KEY }) =>
    makeTestContext({ home: rig.home, env, config: { projects: [rig.project], delegation: delegationConfig(rig.server.url, delegation) } });

  const scan = async (options = { dryRun: false }, c = ctx) => {
    const result = await scanInbox(options, c);
    rig.watch.see(JSON.stringify(result), ...c.logLines.map((l) => l.message));
    return result;
  };
  const files = async () => (await queueFiles(rig.project)).inbox;
  const marker = async (name: string) => {
    const parsed = parseDelegatedMarker(await readFile(join(rig.inbox, `${name}.delegated`), 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.value;
  };
  const counters = async () => (await ctx.state.load()).counters;

  beforeEach(() => {
    ctx = context();
  });

  it('submits a delegated task: marker with job, provider, priority and key; no intent left; counted', async () => {
    await writeTask(rig.project, 'scan.md', { title: 'Scan the fleet', priority: 'critical', allow_delegation: true, preferred_ai: 'GPU', body: 'Scan all hosts.' });
    await writeTask(rig.project, 'local.md', { title: 'Edit code' });
    const result = await scan();

    expect(result.submitted).toHaveLength(1);
    const [submitted] = result.submitted;
    expect(submitted).toMatchObject({ task: 'scan.md', provider: 'gpu', priority: 'critical', resumed: false });
    expect(result.pending.map((p) => p.task)).toEqual(['local.md']);
    expect(result.inFlight).toEqual([{ project: rig.project, task: 'scan.md', state: 'delegated_to_secutools' }]);
    expect(await files()).toEqual(['local.md', 'scan.md', 'scan.md.delegated']);

    const written = await marker('scan.md');
    expect(written).toMatchObject({ jobId: submitted?.jobId, provider: 'gpu', priority: 'critical', title: 'Scan the fleet', submittedAt: '2026-11-21T12:00:00.000Z' });
    const job = rig.server.job(written.jobId);
    expect(job?.idempotencyKey).toBe(written.idempotencyKey);
    expect(job?.request).toEqual({
      prompt: 'Scan all hosts.',
      provider: 'gpu',
      priority: 'critical',
      metadata: { project: rig.project, task: 'scan.md', title: 'Scan the fleet', complexity_hint: null, tags: [] },
    });
    expect(await counters()).toMatchObject({ delegated: 1, delegationFellBack: 0 });

    // The next scan leaves a delegated task alone: no second POST.
    const again = await scan();
    expect(again.submitted).toEqual([]);
    expect(rig.server.counters.posts).toBe(1);
  });

  it('priorities map one to one', async () => {
    for (const priority of ['critical', 'high', 'default', 'low']) {
      await writeTask(rig.project, `${priority}.md`, { priority, allow_delegation: true });
    }
    await scan();
    expect(rig.server.allJobs().map((j) => j.request.priority).sort()).toEqual(['critical', 'default', 'high', 'low']);
    expect(rig.server.allJobs().every((j) => j.request.provider === 'auto')).toBe(true);
  });

  it('delegation not active: the delegated route runs locally with the reason logged; nothing is sent', async () => {
    ctx = context({}, {});
    await writeTask(rig.project, 'gpu.md', { allow_delegation: true, preferred_ai: 'gpu' });
    const result = await scan();
    expect(result.pending).toMatchObject([
      { task: 'gpu.md', provider: 'claude-code', delegated: false, reason: expect.stringContaining('delegation not active: delegation is enabled but $SECUTOOLS_API_KEY is not set') },
    ]);
    expect(ctx.logLines).toContainEqual({ level: 'info', message: '1 task(s) route to secutools but delegation is not active (delegation is enabled but $SECUTOOLS_API_KEY is not set); they run locally' });
    expect(rig.server.counters.posts).toBe(0);
    expect(await files()).toEqual(['gpu.md']);
    // dispatch's view of it: local.
    expect(runsLocally(decide({ needsClaudeCode: false, preferredAi: 'gpu', allowDelegation: true }), ctx.delegation(), false)).toBe(true);
  });

  it('a submit that fails for good falls back to local: .local marker, counted, reason reported, never re-sent', async () => {
    rig.server.inject({ kind: 'status', status: 422, body: '{"error":"provider gpu is disabled"}' }, { method: 'POST' });
    const path = await writeTask(rig.project, 'gpu.md', { allow_delegation: true, preferred_ai: 'gpu' });
    const result = await scan();

    expect(result.fellBack).toMatchObject([{ task: 'gpu.md', provider: 'gpu', reason: expect.stringContaining('HTTP 422: provider gpu is disabled') }]);
    expect(result.pending).toMatchObject([{ task: 'gpu.md', provider: 'claude-code', delegated: false, reason: expect.stringContaining('fell back') }]);
    expect(await files()).toEqual(['gpu.md', 'gpu.md.local']);
    const local = parseLocalFallback(await readFile(`${path}.local`, 'utf8'));
    expect(local.ok && local.value.reason).toContain('provider gpu is disabled');
    expect(await counters()).toMatchObject({ delegated: 0, delegationFellBack: 1 });
    expect(ctx.logLines.some((l) => l.level === 'warn' && l.message.includes('falls back to local Claude Code'))).toBe(true);

    // What dispatch will see: the listing knows the marker, and runsLocally says local even though delegation is on.
    const entry = (await listInbox(rig.project)).tasks.find((t) => t.name === 'gpu.md');
    expect(entry?.local).toBe(true);
    const parsed = parseTask(await readFile(path, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(runsLocally(decide(parsed.task.fields), ctx.delegation(), entry?.local ?? false)).toBe(true);

    const again = await scan();
    expect(rig.server.counters.posts).toBe(1);
    expect(again.pending).toMatchObject([{ task: 'gpu.md', provider: 'claude-code', reason: expect.stringContaining('fell back earlier') }]);
    expect(await counters()).toMatchObject({ delegationFellBack: 1 });
  });

  it('a wrong key falls back with an authentication reason that names the variable', async () => {
    ctx = context({}, { SECUTOOLS_API_KEY: 'not-the-right-key-000' });
    await writeTask(rig.project, 'a.md', { allow_delegation: true });
    const result = await scan();
    expect(result.fellBack[0]?.reason).toContain('an authentication problem with $SECUTOOLS_API_KEY');
    expect(rig.server.counters.unauthorized).toBe(1);
  });

  it('a platform that hangs is given up on once per run: later tasks fall back without waiting again', async () => {
    ctx = context({ request_timeout: '200ms', retries: 1, poll_concurrency: 1 });
    rig.server.inject({ kind: 'hang' }, { times: 1000 });
    for (const name of ['a.md', 'b.md', 'c.md']) await writeTask(rig.project, name, { allow_delegation: true });
    const result = await scan();
    expect(result.fellBack.map((f) => f.task)).toEqual(['a.md', 'b.md', 'c.md']);
    expect(result.fellBack[0]?.reason).toContain('did not answer POST /api/v1/jobs in time');
    expect(result.fellBack[1]?.reason).toBe('secutools is out of reach in this run (timeout)');
    // a.md used one or two attempts (as its deadline allowed); b.md and c.md sent nothing at all.
    expect(rig.server.counters.posts).toBeGreaterThanOrEqual(1);
    expect(rig.server.counters.posts).toBeLessThanOrEqual(2);
    expect(await counters()).toMatchObject({ delegationFellBack: 3 });
  });

  it('a leftover intent (killed between POST and marker) is re-sent with the same key: same job, one job', async () => {
    const path = await writeTask(rig.project, 'gpu.md', { priority: 'high', allow_delegation: true, preferred_ai: 'gpu' });
    const key = 'intent-key-from-killed-run';
    const earlier = rig.server.createJob({ prompt: 'Do the thing.', provider: 'gpu', priority: 'high' }, key);
    await writeFile(`${path}.delegating`, JSON.stringify({ version: 1, idempotencyKey: key, provider: 'gpu', priority: 'high', createdAt: '2026-11-21T11:59:00.000Z' }));

    const result = await scan();
    expect(result.submitted).toMatchObject([{ task: 'gpu.md', jobId: earlier.id, resumed: true }]);
    expect(rig.server.postKeys).toEqual([key]);
    expect(rig.server.counters.jobsCreated).toBe(1);
    expect(await files()).toEqual(['gpu.md', 'gpu.md.delegated']);
    expect((await marker('gpu.md')).idempotencyKey).toBe(key);
  });

  it.each([
    ['the key is unset', {}, {}, 'delegation is enabled but $SECUTOOLS_API_KEY is not set'],
    ['delegation is disabled', { enabled: false }, { SECUTOOLS_API_KEY: TEST_API_KEY }, 'delegation.enabled is false'],
  ])('a leftover intent after delegation went off (%s) falls back to local, nothing sent; the next scan is clean', async (_, delegation, env, why) => {
    const path = await writeTask(rig.project, 'gpu.md', { allow_delegation: true, preferred_ai: 'gpu' });
    await writeFile(`${path}.delegating`, JSON.stringify({ version: 1, idempotencyKey: 'k-off-00001', provider: 'gpu', priority: 'high', createdAt: '2026-11-21T11:59:00.000Z' }));
    ctx = context(delegation, env);
    expect(ctx.delegation().active).toBe(false);

    const result = await scan();
    expect(result.errors).toEqual([]);
    expect(scanExitCode(result)).toBe(0);
    expect(result.fellBack).toEqual([{ project: rig.project, task: 'gpu.md', provider: 'gpu', reason: `delegation not active: ${why}` }]);
    expect(result.pending).toMatchObject([{ task: 'gpu.md', provider: 'claude-code', delegated: false, reason: expect.stringContaining(`fell back: delegation not active: ${why}`) }]);
    expect(await files()).toEqual(['gpu.md', 'gpu.md.local']);
    const local = parseLocalFallback(await readFile(`${path}.local`, 'utf8'));
    expect(local).toMatchObject({ ok: true, value: { provider: 'gpu', idempotencyKey: 'k-off-00001', reason: `delegation not active: ${why}` } });
    expect(await counters()).toMatchObject({ delegated: 0, delegationFellBack: 1 });
    expect(rig.server.counters.posts).toBe(0);

    const again = await scan();
    expect(again.errors).toEqual([]);
    expect(again.fellBack).toEqual([]);
    expect(again.pending).toMatchObject([{ task: 'gpu.md', provider: 'claude-code', reason: expect.stringContaining('fell back earlier') }]);
    expect(await files()).toEqual(['gpu.md', 'gpu.md.local']);
    expect(await counters()).toMatchObject({ delegationFellBack: 1 });
    expect(rig.server.counters.posts).toBe(0);
  });

  it('a dry run reports a leftover intent and would-be submissions, and sends nothing', async () => {
    const path = await writeTask(rig.project, 'gpu.md', { allow_delegation: true, preferred_ai: 'gpu' });
    await writeTask(rig.project, 'auto.md', { allow_delegation: true });
    await writeFile(`${path}.delegating`, JSON.stringify({ version: 1, idempotencyKey: 'k-12345678', provider: 'gpu', priority: 'default', createdAt: '2026-11-21T11:59:00.000Z' }));
    const result = await scan({ dryRun: true });
    expect(result.inFlight).toEqual([{ project: rig.project, task: 'gpu.md', state: 'delegating' }]);
    expect(result.pending).toMatchObject([{ task: 'auto.md', provider: 'auto', reason: expect.stringContaining('(would be submitted to secutools)') }]);
    expect(rig.server.counters.posts).toBe(0);
    expect(await files()).toEqual(['auto.md', 'gpu.md', 'gpu.md.delegating']);
  });

  it('tidies what killed runs left: a spent intent beside a marker, an intent whose task vanished, an orphan .local', async () => {
    const kept = await writeTask(rig.project, 'kept.md', { allow_delegation: true });
    const job = rig.server.createJob({ prompt: 'x', provider: 'auto', priority: 'default' }, 'k-kept-0001');
    await writeFile(`${kept}.delegated`, JSON.stringify({ version: 1, jobId: job.id, provider: 'auto', priority: 'default', title: null, submittedAt: '2026-11-21T11:00:00.000Z', idempotencyKey: 'k-kept-0001' }));
    await writeFile(`${kept}.delegating`, JSON.stringify({ version: 1, idempotencyKey: 'k-kept-0001', provider: 'auto', priority: 'default', createdAt: '2026-11-21T11:00:00.000Z' }));
    await writeFile(join(rig.inbox, 'gone.md.delegating'), JSON.stringify({ version: 1, idempotencyKey: 'k-gone-0001', provider: 'auto', priority: 'default', createdAt: '2026-11-21T11:00:00.000Z' }));
    await writeFile(join(rig.inbox, 'finished.md.local'), JSON.stringify({ version: 1, reason: 'r', at: '2026-11-21T11:00:00.000Z', provider: 'auto', idempotencyKey: null }));

    const result = await scan();
    expect(result.errors).toEqual([]);
    expect(await files()).toEqual(['kept.md', 'kept.md.delegated']);
    expect(rig.server.counters.posts).toBe(0);
  });

  it('an unreadable intent is reported and left for an operator, never re-sent with a new key', async () => {
    const path = await writeTask(rig.project, 'gpu.md', { allow_delegation: true });
    await writeFile(`${path}.delegating`, '{ not json');
    const result = await scan();
    expect(result.errors).toMatchObject([{ task: 'gpu.md', message: expect.stringContaining('gpu.md.delegating is unreadable (not valid JSON)') }]);
    expect(rig.server.counters.posts).toBe(0);
    expect(await files()).toEqual(['gpu.md', 'gpu.md.delegating']);
  });
});
