import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/base/lock.js';
import { createMemoryLog } from '../../../src/base/log.js';
import { claimTask } from '../../../src/queue/files.js';
import type { SystemdPort } from '../../../src/operations/systemctl.js';
import { run as status } from '../../../src/operations/status.command.js';
import { emptyState } from '../../../src/base/core/state.js';
import { claudeFailover } from '../../support/cli.js';
import { addTask, makeRig } from '../../support/sessions.js';

/**
 * `status --json` is a documented interface (README "status --json"): this list is that documentation's contract.
 * A key may be added; removing or renaming one fails here.
 */
const REPORT_KEYS = [
  'accounts', 'activeAccount', 'configFile', 'counters', 'delegatedJobs', 'generatedAt', 'lastDetections', 'lastSwaps', 'lock',
  'partialSwap', 'queues', 'quotaSuspicion', 'sessions', 'swapInProgress', 'units', 'warnings',
];
const ACCOUNT_KEYS = ['active', 'credentialsPresent', 'exhaustedUntil', 'home', 'loginExpiresAt', 'loginFailedAt', 'loginRenewable', 'name'];
const SESSION_KEYS = ['ageMs', 'attempts', 'exists', 'kind', 'lastFail', 'name', 'project', 'since', 'state', 'task'];
const QUEUE_KEYS = ['delegated', 'delegating', 'dispatched', 'done', 'failed', 'inboxExists', 'pending', 'project'];
const JOB_KEYS = ['ageMs', 'jobId', 'project', 'provider', 'submittedAt', 'task'];
const LOCK_KEYS = ['ageMs', 'command', 'pid', 'stale'];
const UNIT_KEYS = ['activeState', 'failed', 'lastRun', 'result', 'unit'];
const COUNTER_KEYS = ['delegated', 'delegationCompleted', 'delegationFailed', 'delegationFellBack', 'dispatched', 'swaps'];

const keys = (value: unknown) => Object.keys(value as object).sort();

async function seededRig() {
  const rig = await makeRig({ dedicated: [] });
  const now = new Date();
  const state = emptyState();
  state.activeAccount = 'main';
  state.accounts.main = { exhaustedUntil: new Date(now.getTime() + 3_600_000).toISOString() };
  state.accounts.backup = { exhaustedUntil: null, loginFailedAt: '2026-12-02T04:00:00.000Z', loginFailure: { session: 'ccl-auto-12', message: 'Please run /login' } };
  await writeFile(join(rig.home, '.claude-main', '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-status-secret', refreshToken: 'sk-ant-ort01-status-secret', expiresAt: Date.parse('2027-01-01T00:00:00Z') } }));
  state.counters.dispatched = 7;
  state.swaps = [{ from: 'backup', to: 'main', at: new Date(now.getTime() - 600_000).toISOString(), reason: 'test' }];
  const claimed = await claimTask({ path: await addTask(rig.project, 'working.md', 'work') });
  state.sessions['ccl-auto-11'] = { state: 'working', task: claimed, project: rig.project, since: new Date(now.getTime() - 90_000).toISOString(), lastFail: null, attempts: 1 };
  await mkdir(join(rig.home, 'state'), { recursive: true });
  await writeFile(join(rig.home, 'state', 'state.json'), JSON.stringify(state));
  await addTask(rig.project, 'pending.md', 'later');
  await addTask(rig.project, 'remote.md', '---\nallow_delegation: true\n---\nx');
  await writeFile(
    join(rig.project, '.agent-queue', 'inbox', 'remote.md.delegated'),
    JSON.stringify({ version: 1, jobId: 'job-42', provider: 'gpu', priority: 'default', title: null, submittedAt: new Date(now.getTime() - 5000).toISOString(), idempotencyKey: 'k' }),
  );
  await mkdir(join(rig.project, '.agent-queue', 'done'), { recursive: true });
  await writeFile(join(rig.project, '.agent-queue', 'done', 'old.md'), 'done');
  await writeFile(join(rig.project, '.agent-queue', 'done', 'old.result.md'), 'result');
  await rig.tmux.newSession('ccl-auto-11', { cwd: rig.project });
  return rig;
}

describe('status', () => {
  it('reports accounts, sessions, queues, jobs, counters and the lock, with stable keys', async () => {
    const rig = await seededRig();
    const lock = await acquireLock({ stateDir: join(rig.home, 'state'), command: 'dispatch', log: createMemoryLog() });
    let run;
    try {
      run = await claudeFailover(['status', '--json', '--config', rig.configPath], { env: { ...rig.env, CI: 'true', FORCE_COLOR: '1' } });
    } finally {
      await lock.release();
    }
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(keys(report)).toEqual(expect.arrayContaining(REPORT_KEYS));
    expect(keys(report.accounts[0])).toEqual(expect.arrayContaining(ACCOUNT_KEYS));
    expect(keys(report.sessions[0])).toEqual(expect.arrayContaining(SESSION_KEYS));
    expect(keys(report.queues[0])).toEqual(expect.arrayContaining(QUEUE_KEYS));
    expect(keys(report.delegatedJobs[0])).toEqual(expect.arrayContaining(JOB_KEYS));
    expect(keys(report.lock)).toEqual(expect.arrayContaining(LOCK_KEYS));
    expect(keys(report.counters)).toEqual(expect.arrayContaining(COUNTER_KEYS));

    expect(report.activeAccount).toBe('main');
    expect(report.accounts).toEqual([
      expect.objectContaining({ name: 'main', active: true, exhaustedUntil: expect.any(String), loginFailedAt: null, credentialsPresent: true, loginExpiresAt: '2027-01-01T00:00:00.000Z', loginRenewable: true }),
      expect.objectContaining({ name: 'backup', active: false, exhaustedUntil: null, loginFailedAt: '2026-12-02T04:00:00.000Z', credentialsPresent: false, loginExpiresAt: null }),
    ]);
    expect(run.stdout).not.toContain('status-secret');
    expect(report.sessions).toEqual([
      expect.objectContaining({ name: 'ccl-auto-11', kind: 'pool', exists: true, state: 'working', attempts: 1, task: expect.stringMatching(/working\.md\.dispatched$/) }),
      expect.objectContaining({ name: 'ccl-auto-12', kind: 'pool', exists: false, state: 'unknown' }),
    ]);
    expect(report.sessions[0].ageMs).toBeGreaterThanOrEqual(90_000);
    expect(report.queues).toEqual([{ project: rig.project, inboxExists: true, pending: 1, dispatched: 1, delegating: 0, delegated: 1, done: 1, failed: 0 }]);
    expect(report.delegatedJobs).toEqual([expect.objectContaining({ jobId: 'job-42', provider: 'gpu', task: 'remote.md' })]);
    expect(report.counters.dispatched).toBe(7);
    expect(report.lastSwaps).toEqual([expect.objectContaining({ from: 'backup', to: 'main' })]);
    expect(report.lock).toMatchObject({ command: 'dispatch', pid: process.pid, stale: false });
    expect(report.partialSwap).toBeNull();
    expect(run.stdout).not.toContain('\u001b');
  });

  it('exits 3 while the partial-swap flag is set, and says so first', async () => {
    const rig = await makeRig();
    const state = emptyState();
    state.partialSwap = { since: new Date().toISOString(), reason: 'flip back failed: EACCES' };
    await mkdir(join(rig.home, 'state'), { recursive: true });
    await writeFile(join(rig.home, 'state', 'state.json'), JSON.stringify(state));
    const run = await claudeFailover(['status', '--config', rig.configPath], { env: rig.env });
    expect(run.exitCode).toBe(3);
    expect(run.stdout.split('\n')[0]).toMatch(/^PARTIAL SWAP since .*: flip back failed: EACCES$/);
  });

  it('reports unit health from systemd when units are installed', async () => {
    const rig = await makeRig();
    const unitDir = join(rig.home, '.config', 'systemd', 'user');
    await mkdir(unitDir, { recursive: true });
    const mark = '# Generated by `claude-failover systemd install`; edits are overwritten on the next install.\n';
    await writeFile(join(unitDir, 'claude-failover-queue.timer'), mark);
    await writeFile(join(unitDir, 'claude-failover-queue.service'), mark);
    const calls: string[][] = [];
    const systemd: SystemdPort = {
      loginctl: async () => ({ exitCode: 0, stdout: 'yes', stderr: '' }),
      systemctl: async (args) => {
        calls.push(args);
        return {
          exitCode: 0,
          stderr: '',
          stdout: [
            'Id=claude-failover-queue.service', 'ActiveState=failed', 'Result=exit-code', 'LastTriggerUSec=', 'ExecMainExitTimestamp=Sat 2026-11-21 19:30:00 UTC',
            '',
            'Id=claude-failover-queue.timer', 'ActiveState=active', 'Result=success', 'LastTriggerUSec=Sat 2026-11-21 19:31:00 UTC', 'ExecMainExitTimestamp=',
          ].join('\n'),
        };
      },
    };
    const report = await status({ systemd }, rig.ctx);
    expect(calls[0]?.slice(0, 2)).toEqual(['show', '--property=Id,ActiveState,Result,LastTriggerUSec,ExecMainExitTimestamp']);
    expect(report.units).toEqual([
      { unit: 'claude-failover-queue.service', activeState: 'failed', result: 'exit-code', lastRun: '2026-11-21T19:30:00.000Z', failed: true },
      { unit: 'claude-failover-queue.timer', activeState: 'active', result: 'success', lastRun: '2026-11-21T19:31:00.000Z', failed: false },
    ]);
    for (const unit of report.units ?? []) expect(keys(unit)).toEqual(expect.arrayContaining(UNIT_KEYS));
  });
});
