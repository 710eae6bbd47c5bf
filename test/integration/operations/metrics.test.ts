import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyState } from '../../../src/base/core/state.js';
import { claudeFailover } from '../../support/cli.js';
import { writeTestConfig } from '../../support/context.js';
import { parseOpenMetrics, prometheusTypes } from '../../support/openmetrics.js';
import { tempDir, writeFiles } from '../../support/temp.js';

/** `metrics --json` is a documented interface (docs/operations.md): keys may be added, none renamed or removed. */
const RESULT_KEYS = ['families', 'generatedAt', 'samples', 'textfile', 'warnings'];
const FAMILY_KEYS = ['help', 'name', 'samples', 'type', 'unit'];
const SAMPLE_KEYS = ['labels', 'value'];
const keys = (value: unknown) => Object.keys(value as object).sort();

const TOKEN = 'sk-ant-oat01-metrics-never-shows-this';

async function fleet() {
  const home = await tempDir('cf-metrics-');
  const project = join(home, 'src', 'web "shop"');
  await writeFiles(project, {
    '.agent-queue/inbox/a.md': 'a',
    '.agent-queue/inbox/b.md': 'b',
    '.agent-queue/inbox/b.md.delegating': '{}',
    '.agent-queue/inbox/c.md.dispatched': 'c',
    '.agent-queue/done/old.md': 'x',
    '.agent-queue/done/old.result.md': 'x',
    '.agent-queue/failed/bad.md': 'x',
  });
  await writeFiles(home, { '.claude-main/.credentials.json': JSON.stringify({ claudeAiOauth: { accessToken: TOKEN, expiresAt: Date.parse('2027-01-01T00:00:00Z') } }) });
  await mkdir(join(home, '.claude-backup'));
  const state = emptyState();
  state.activeAccount = 'backup';
  state.accounts.main = { exhaustedUntil: new Date(Date.now() + 3_600_000).toISOString() };
  state.accounts.backup = { exhaustedUntil: null, loginFailedAt: '2026-12-02T04:00:00.000Z', loginFailure: { session: 'ccl-auto-11', message: 'Please run /login' } };
  state.counters.swaps = 2;
  await mkdir(join(home, 'state'), { recursive: true });
  await writeFile(join(home, 'state', 'state.json'), JSON.stringify(state));
  // A private tmux socket nobody runs: metrics must not need it (no tmux call at all).
  const config = await writeTestConfig(home, { projects: [project], tmux: { socket: `cf-metrics-none-${process.pid}` } });
  return { home, project, config, env: { HOME: home } };
}

describe('metrics', () => {
  it('prints OpenMetrics that a strict parser accepts, from the files alone', async () => {
    const { home, project, config } = await fleet();
    // A tmux first on PATH that leaves a mark: metrics must never call it (status does, which proves the trap works).
    const marker = join(home, 'tmux-was-called');
    await writeFiles(home, { 'trap/tmux': `#!/bin/sh\ntouch '${marker}'\nexit 1\n` });
    await chmod(join(home, 'trap', 'tmux'), 0o755);
    const env = { HOME: home, PATH: `${join(home, 'trap')}:${process.env.PATH}` };
    const run = await claudeFailover(['metrics', '--config', config], { env });
    expect(run.exitCode, run.stderr).toBe(0);
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    await claudeFailover(['status', '--config', config], { env });
    expect((await stat(marker)).isFile()).toBe(true);
    const parsed = parseOpenMetrics(run.stdout);
    const sample = (family: string, labels: Record<string, string>) =>
      parsed.get(family)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(sample('claude_failover_tasks', { project, state: 'pending' })).toBe(1);
    expect(sample('claude_failover_tasks', { project, state: 'delegating' })).toBe(1);
    expect(sample('claude_failover_tasks', { project, state: 'dispatched' })).toBe(1);
    expect(sample('claude_failover_tasks', { project, state: 'done' })).toBe(1);
    expect(sample('claude_failover_tasks', { project, state: 'failed' })).toBe(1);
    expect(sample('claude_failover_account_active', { account: 'backup' })).toBe(1);
    expect(sample('claude_failover_account_exhausted_until_seconds', { account: 'main' })).toBeGreaterThan(Date.now() / 1000);
    expect(sample('claude_failover_account_login_failed', { account: 'backup' })).toBe(1);
    expect(sample('claude_failover_account_login_expires_seconds', { account: 'main' })).toBe(Date.parse('2027-01-01T00:00:00Z') / 1000);
    expect(sample('claude_failover_swaps', {})).toBe(2);
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('--json gives the families as data, with pinned keys', async () => {
    const { config, env } = await fleet();
    const run = await claudeFailover(['metrics', '--json', '--config', config], { env });
    const result = JSON.parse(run.stdout);
    expect(keys(result)).toEqual(expect.arrayContaining(RESULT_KEYS));
    expect(keys(result.families[0])).toEqual(expect.arrayContaining(FAMILY_KEYS));
    expect(keys(result.families[0].samples[0])).toEqual(expect.arrayContaining(SAMPLE_KEYS));
    expect(result.textfile).toBeNull();
    expect(result.samples).toBe(result.families.reduce((n: number, f: { samples: unknown[] }) => n + f.samples.length, 0));
  });

  it('--textfile replaces the file atomically, readable by node_exporter, in the format it reads', async () => {
    const { home, config, env } = await fleet();
    const dir = join(home, 'textfile');
    await mkdir(dir);
    const path = join(dir, 'claude-failover.prom');
    await writeFile(path, 'old content\n');
    const run = await claudeFailover(['metrics', '--textfile', path, '--config', config], { env });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^wrote \d+ samples of 14 metrics to .*claude-failover\.prom$/);
    const text = await readFile(path, 'utf8');
    expect(prometheusTypes(text).get('claude_failover_swaps_total')).toBe('counter');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    expect(await readdir(dir)).toEqual(['claude-failover.prom']); // no temp file left

    const missing = await claudeFailover(['metrics', '--textfile', join(home, 'nowhere', 'x.prom'), '--config', config], { env });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/the folder .*nowhere does not exist/);
    const wrongName = await claudeFailover(['metrics', '--textfile', join(dir, 'x.txt'), '--config', config], { env });
    expect(wrongName.exitCode).toBe(2);
    expect(wrongName.stderr).toMatch(/only files ending in \.prom/);
  });

  it('every run records its end and result; metrics shows them; dry runs and runs without a config do not count', async () => {
    const { home, config, env } = await fleet();
    expect((await claudeFailover(['status', '--config', config], { env })).exitCode).toBe(0);
    // A partial swap blocks swap-account: exit 3, recorded as blocked.
    const state = JSON.parse(await readFile(join(home, 'state', 'state.json'), 'utf8'));
    state.partialSwap = { since: '2026-12-02T00:00:00.000Z', reason: 'test' };
    await writeFile(join(home, 'state', 'state.json'), JSON.stringify(state));
    expect((await claudeFailover(['swap-account', '--to', 'main', '--config', config], { env })).exitCode).toBe(3);
    expect((await claudeFailover(['scan-inbox', '--dry-run', '--config', config], { env })).exitCode).toBe(0);
    expect((await claudeFailover(['doctor', '--config', config], { env })).exitCode).toBe(1);
    expect((await claudeFailover(['status', '--config', join(home, 'missing.yaml')], { env })).exitCode).toBe(2);

    const files = (await readdir(join(home, 'state', 'last-run'))).sort();
    expect(files).toEqual(['doctor.failed.json', 'status.ok.json', 'swap-account.blocked.json']);
    const run = await claudeFailover(['metrics', '--config', config], { env });
    const runs = parseOpenMetrics(run.stdout).get('claude_failover_last_run_timestamp_seconds')?.samples ?? [];
    // metrics' own run is recorded after it printed: the next scrape shows it.
    expect(runs.map((s) => `${s.labels.command}:${s.labels.result}`)).toEqual(['doctor:failed', 'status:ok', 'swap-account:blocked']);
    for (const s of runs) expect(Math.abs(s.value - Date.now() / 1000)).toBeLessThan(120);
    expect((await readdir(join(home, 'state', 'last-run'))).sort()).toContain('metrics.ok.json');
  });

  it('a state dir that cannot take the record never changes the command result', async () => {
    const { home, config, env } = await fleet();
    await writeFile(join(home, 'state', 'last-run'), 'a file where the folder belongs');
    const run = await claudeFailover(['status', '--json', '--config', config], { env });
    expect(run.exitCode).toBe(0);
    expect(() => JSON.parse(run.stdout)).not.toThrow();
    expect(run.stderr).toBe('');
  });
});
