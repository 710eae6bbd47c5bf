import { execa } from 'execa';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CommandResult, SystemdPort } from '../../../src/operations/systemctl.js';
import { install, uninstall } from '../../../src/operations/systemd.command.js';
import { GENERATED_MARK, inboxUnitName } from '../../../src/operations/core/systemd-units.js';
import { CLAUDE_FAILOVER_BIN, claudeFailover } from '../../support/cli.js';
import { makeTestContext, writeTestConfig } from '../../support/context.js';
import { tempDir } from '../../support/temp.js';

type RenderedUnit = { name: string; content: string };

async function renderWithCli(): Promise<{ home: string; units: RenderedUnit[] }> {
  const home = await tempDir();
  const config = await writeTestConfig(home, {
    projects: [join(home, 'src', 'web shop'), join(home, 'src', '100%-done')],
    pool: { dedicated: [{ session: 'ccl-1-api', project: join(home, 'src', 'api') }] },
  });
  const run = await claudeFailover(['systemd', 'install', '--dry-run', '--json', '--config', config], { env: { HOME: home } });
  expect(run.exitCode, run.stderr).toBe(0);
  return { home, units: JSON.parse(run.stdout).units };
}

function recorder(linger: string): SystemdPort & { calls: string[][] } {
  const calls: string[][] = [];
  const ok = (stdout = ''): CommandResult => ({ exitCode: 0, stdout, stderr: '' });
  return {
    calls,
    systemctl: async (args) => (calls.push(['systemctl', ...args]), ok()),
    loginctl: async (args) => (calls.push(['loginctl', ...args]), ok(linger)),
  };
}

describe('systemd units', () => {
  it('render cleanly: systemd-analyze --user verify prints nothing', async () => {
    const { home, units } = await renderWithCli();
    const dir = join(home, 'units');
    await mkdir(dir);
    for (const unit of units) await writeFile(join(dir, unit.name), unit.content);
    const runtime = join(home, 'runtime');
    await mkdir(runtime, { mode: 0o700 });
    const verify = await execa('systemd-analyze', ['--user', 'verify', ...units.map((u) => join(dir, u.name))], {
      env: { XDG_RUNTIME_DIR: runtime, HOME: home },
      reject: false,
      timeout: 60_000,
    });
    expect(verify.stderr + verify.stdout).toBe('');
    expect(verify.exitCode).toBe(0);
  });

  it('every service is a oneshot with a start timeout, exit 75 as success and its own identifier', async () => {
    const { units } = await renderWithCli();
    const services = units.filter((u) => u.name.endsWith('.service'));
    expect(services.map((s) => s.name).sort()).toEqual([
      'claude-failover-check-quota.service',
      'claude-failover-queue.service',
      'claude-failover-reap-delegated.service',
      'claude-failover-reconcile.service',
    ]);
    for (const service of services) {
      expect(service.content).toMatch(/^Type=oneshot$/m);
      expect(service.content).toMatch(/^TimeoutStartSec=\d+min$/m);
      expect(service.content).toMatch(/^SuccessExitStatus=75$/m);
      expect(service.content).toMatch(new RegExp(`^SyslogIdentifier=${service.name.replace('.service', '')}$`, 'm'));
    }
    expect(services.find((s) => s.name === 'claude-failover-queue.service')?.content).toMatch(/ExecStart=\S+ --max-semi-space-size=2 \S+bin\/claude-failover\.js dispatch --scan\n/);
  });

  it('timers re-arm after the run ends and never use OnUnitActiveSec with a oneshot', async () => {
    const { units } = await renderWithCli();
    const timers = units.filter((u) => u.name.endsWith('.timer'));
    expect(timers).toHaveLength(4);
    for (const timer of timers) {
      expect(timer.content).not.toMatch(/OnUnitActiveSec=/);
      expect(timer.content).toMatch(/^OnBootSec=/m);
      expect(timer.content).toMatch(/^OnUnitInactiveSec=/m);
      expect(timer.content).toMatch(/^AccuracySec=1s$/m);
    }
  });

  it('one path unit per inbox (dedicated projects included), quoting unusual paths', async () => {
    const { home, units } = await renderWithCli();
    const paths = units.filter((u) => u.name.endsWith('.path'));
    const inboxes = ['api', 'web shop', '100%-done'].map((p) => join(home, 'src', p, '.agent-queue', 'inbox'));
    expect(paths.map((p) => p.name).sort()).toEqual(inboxes.map(inboxUnitName).sort());
    for (const unit of paths) {
      expect(unit.content).toMatch(/^PathChanged=\//m);
      expect(unit.content).toMatch(/^Unit=claude-failover-queue\.service$/m);
    }
    expect(paths.map((p) => p.content).join('\n')).toContain('100%%-done');
  });

  it('metrics.textfile adds a 15 s metrics service + timer writing that file, lint-clean; without it there is none', async () => {
    const home = await tempDir();
    const textfile = join(home, 'node exporter', 'claude-failover.prom');
    const config = await writeTestConfig(home, { metrics: { textfile } });
    const run = await claudeFailover(['systemd', 'install', '--dry-run', '--json', '--config', config], { env: { HOME: home } });
    expect(run.exitCode, run.stderr).toBe(0);
    const units: RenderedUnit[] = JSON.parse(run.stdout).units;
    const service = units.find((u) => u.name === 'claude-failover-metrics.service');
    const timer = units.find((u) => u.name === 'claude-failover-metrics.timer');
    expect(service?.content).toContain(`claude-failover.js metrics --textfile "${textfile}"\n`);
    expect(service?.content).toMatch(/^Type=oneshot$/m);
    expect(timer?.content).toMatch(/^OnUnitInactiveSec=15s$/m);
    expect(JSON.parse(run.stdout).enabled).toContain('claude-failover-metrics.timer');
    const dir = join(home, 'units');
    const runtime = join(home, 'runtime');
    await mkdir(dir);
    await mkdir(runtime, { mode: 0o700 });
    for (const unit of [service, timer] as RenderedUnit[]) await writeFile(join(dir, unit.name), unit.content);
    const verify = await execa('systemd-analyze', ['--user', 'verify', join(dir, 'claude-failover-metrics.service'), join(dir, 'claude-failover-metrics.timer')], {
      env: { XDG_RUNTIME_DIR: runtime, HOME: home },
      reject: false,
      timeout: 60_000,
    });
    expect(verify.stderr + verify.stdout).toBe('');
    const { units: plain } = await renderWithCli();
    expect(plain.some((u) => u.name.includes('metrics'))).toBe(false);
  });

  it('metrics.textfile must name a *.prom file (node_exporter reads no other)', async () => {
    const home = await tempDir();
    const config = await writeTestConfig(home, { metrics: { textfile: join(home, 'metrics.txt') } });
    const run = await claudeFailover(['systemd', 'install', '--dry-run', '--config', config], { env: { HOME: home } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/metrics\.textfile: expected a file name ending in \.prom/);
  });

  it('install writes, reloads, enables timers and path units, and warns when lingering is off', async () => {
    const home = await tempDir();
    const ctx = makeTestContext({ home, config: { projects: [join(home, 'p')] } });
    ctx.config.file = join(home, 'config.yaml');
    const unitDir = join(home, 'units');
    const port = recorder('no\n');
    const result = await install({ dryRun: false, unitDir, port, bin: CLAUDE_FAILOVER_BIN }, ctx);
    const written = (await readdir(unitDir)).sort();
    expect(written).toHaveLength(9);
    for (const name of written) expect(await readFile(join(unitDir, name), 'utf8')).toMatch(new RegExp(`^${GENERATED_MARK.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&')}`));
    expect(port.calls[0]).toEqual(['systemctl', 'daemon-reload']);
    expect(port.calls[1]?.slice(0, 3)).toEqual(['systemctl', 'enable', '--now']);
    expect(port.calls[1]?.slice(3).sort()).toEqual(written.filter((n) => !n.endsWith('.service')));
    expect(result.linger).toBe(false);
    expect(result.warnings).toEqual([expect.stringContaining('loginctl enable-linger')]);
  });

  it('uninstall removes only the units it generated', async () => {
    const home = await tempDir();
    const ctx = makeTestContext({ home });
    ctx.config.file = join(home, 'config.yaml');
    const unitDir = join(home, 'units');
    await install({ dryRun: false, unitDir, port: recorder('yes'), bin: CLAUDE_FAILOVER_BIN }, ctx);
    await writeFile(join(unitDir, 'claude-failover-mine.service'), '[Service]\nExecStart=/bin/true\n');
    const port = recorder('yes');
    const result = await uninstall({ dryRun: false, unitDir, port, bin: CLAUDE_FAILOVER_BIN }, ctx);
    expect(result.units).toHaveLength(8);
    expect(await readdir(unitDir)).toEqual(['claude-failover-mine.service']);
    expect(port.calls.at(-1)).toEqual(['systemctl', 'daemon-reload']);
  });
});
