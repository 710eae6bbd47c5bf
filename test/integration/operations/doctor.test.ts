import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyState } from '../../../src/base/core/state.js';
import { FakeSecutools } from '../../../src/fakes/secutools-server.js';
import { claudeFailover } from '../../support/cli.js';
import { writeTestConfig } from '../../support/context.js';
import { makeRig } from '../../support/sessions.js';

interface Check {
  name: string;
  level: 'ok' | 'warning' | 'error';
  detail: string;
  fix: string | null;
}

async function healthyRig() {
  const rig = await makeRig();
  for (const account of ['.claude-main', '.claude-backup']) await writeFile(join(rig.home, account, '.credentials.json'), '{}');
  await symlink(join(rig.home, '.claude-main'), join(rig.home, '.claude'));
  const fix = await claudeFailover(['validate-symlinks', '--fix', '--config', rig.configPath], { env: rig.env });
  expect(fix.exitCode, fix.stderr).toBe(0);
  return rig;
}

async function doctor(rig: Awaited<ReturnType<typeof makeRig>>) {
  const run = await claudeFailover(['doctor', '--json', '--config', rig.configPath], { env: rig.env });
  const report = JSON.parse(run.stdout) as { checks: Check[]; errors: number; warnings: number };
  const byName = (name: string) => report.checks.filter((c) => c.name === name);
  return { run, report, byName };
}

describe('doctor', () => {
  it('a healthy machine has no errors; missing units are a warning with the fix', async () => {
    const rig = await healthyRig();
    const { run, report, byName } = await doctor(rig);
    expect(report.checks.filter((c) => c.level === 'error'), JSON.stringify(report.checks, null, 1)).toEqual([]);
    expect(run.exitCode).toBe(0);
    for (const name of ['node', 'config', 'tmux', 'claude', 'account main', 'account backup', 'shared links', 'active link', 'state', 'lock', 'delegation']) {
      expect(byName(name)[0]?.level, name).toBe('ok');
    }
    expect(byName('systemd')[0]).toMatchObject({ level: 'warning', fix: 'claude-failover systemd install' });
  });

  it('finds every problem at once, each with its fix, and exits 1', async () => {
    const rig = await healthyRig();
    // A home gone, a link replaced by a real folder, the active link a real directory, a partial swap recorded,
    // a claude command that does not exist, and delegation enabled without its key.
    await rm(join(rig.home, '.claude-backup'), { recursive: true });
    await rm(join(rig.home, '.claude-main', 'file-history'));
    await mkdir(join(rig.home, '.claude-main', 'file-history'));
    await rm(join(rig.home, '.claude'));
    await mkdir(join(rig.home, '.claude'));
    const state = emptyState();
    state.partialSwap = { since: '2026-11-21T12:00:00.000Z', reason: 'flip back failed' };
    await mkdir(join(rig.home, 'state'), { recursive: true });
    await writeFile(join(rig.home, 'state', 'state.json'), JSON.stringify(state), { mode: 0o600 });
    const config = await writeTestConfig(rig.home, {
      ...rig.configOverrides,
      dispatch: { claude_command: join(rig.home, 'no-such-claude') },
      delegation: { enabled: true, base_url: 'http://127.0.0.1:9' },
    });
    const run = await claudeFailover(['doctor', '--json', '--config', config], { env: rig.env });
    expect(run.exitCode).toBe(1);
    const checks = (JSON.parse(run.stdout) as { checks: Check[] }).checks.filter((c) => c.level === 'error');
    const find = (name: string, pattern: RegExp) => checks.find((c) => c.name === name && pattern.test(c.detail));
    expect(find('account backup', /does not exist/)?.fix).toMatch(/CLAUDE_CONFIG_DIR=/);
    expect(find('shared links', /file-history/)?.fix).toMatch(/never rewrites/);
    expect(find('active link', /real directory.*needs migration/)?.fix).toMatch(/ln -s/);
    expect(find('partial swap', /flip back failed/)?.fix).toMatch(/--clear-partial/);
    expect(find('claude', /not an executable/)?.fix).toMatch(/claude_command/);
    expect(find('delegation', /SECUTOOLS_API_KEY is not set/)?.fix).toMatch(/SECUTOOLS_API_KEY/);
  });

  it('checks each account: a failed login is an error with the login fix, a login about to expire a warning', async () => {
    const rig = await healthyRig();
    const soon = Date.now() + 26 * 3_600_000;
    await writeFile(join(rig.home, '.claude-backup', '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-doctor-secret', expiresAt: soon } }));
    const state = emptyState();
    state.activeAccount = 'main';
    state.accounts.main = { exhaustedUntil: new Date(Date.now() + 3_600_000).toISOString(), loginFailedAt: '2026-12-02T04:00:00.000Z', loginFailure: { session: 'ccl-auto-11', message: 'Please run /login · API Error: 401' } };
    await mkdir(join(rig.home, 'state'), { recursive: true });
    await writeFile(join(rig.home, 'state', 'state.json'), JSON.stringify(state), { mode: 0o600 });
    const { run, byName } = await doctor(rig);
    expect(run.exitCode).toBe(1);
    expect(byName('account main')[0]).toMatchObject({
      level: 'error',
      detail: expect.stringMatching(/; active; exhausted until .*; login failed since 2026-12-02T04:00:00.000Z \(ccl-auto-11: Please run \/login · API Error: 401\)$/),
      fix: `CLAUDE_CONFIG_DIR=${join(rig.home, '.claude-main')} claude, then /login`,
    });
    // Within the default warning time (3 days): a warning, with the expiry and the way to renew it.
    expect(byName('account backup')[0]).toMatchObject({ level: 'warning', detail: expect.stringContaining(`login expires ${new Date(soon).toISOString()} (in 1d 1h)`), fix: expect.stringContaining('/login') });
    expect(run.stdout).not.toContain('doctor-secret');
    // A shorter warning time in the config makes the same login fine.
    const config = await writeTestConfig(rig.home, { ...rig.configOverrides, accounts_health: { login_expiry_warning: '12h' } });
    const later = JSON.parse((await claudeFailover(['doctor', '--json', '--config', config], { env: rig.env })).stdout) as { checks: Check[] };
    expect(later.checks.find((c) => c.name === 'account backup')?.level).toBe('ok');
  });

  it('a broken config is itself a check, not a crash', async () => {
    const rig = await makeRig();
    await writeFile(rig.configPath, 'accounts: []\n');
    const { run, byName } = await doctor(rig);
    expect(run.exitCode).toBe(1);
    expect(byName('config')[0]).toMatchObject({ level: 'error', detail: expect.stringMatching(/accounts: expected at least one account/) });
    expect(byName('tmux')[0]?.level).toBe('ok');
  });

  it('with delegation on, probes secutools: reachable with the key accepted, or the key refused', async () => {
    const rig = await healthyRig();
    const apiKey = 'doctor-test-key-0123456789';
    const server = new FakeSecutools({ apiKey });
    const baseUrl = await server.start();
    try {
      const config = await writeTestConfig(rig.home, { ...rig.configOverrides, delegation: { enabled: true, base_url: baseUrl, retries: 0 } });
      const probe = async (key: string) => {
        const run = await claudeFailover(['doctor', '--json', '--config', config], { env: { ...rig.env, SECUTOOLS_API_KEY: key } });
        expect(run.stdout + run.stderr).not.toContain(key);
        return (JSON.parse(run.stdout) as { checks: Check[] }).checks.find((c) => c.name === 'delegation');
      };
      expect(await probe(apiKey)).toMatchObject({ level: 'ok', detail: `${baseUrl} reachable, key accepted` });
      expect(await probe('a-wrong-key-9876543210')).toMatchObject({ level: 'error', detail: expect.stringMatching(/authentication/i), fix: 'check $SECUTOOLS_API_KEY' });
      expect(server.counters.gets).toBe(2);
    } finally {
      await server.stop();
    }
  });
});
