import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeFailover } from '../../support/cli.js';
import { writeTestConfig } from '../../support/context.js';
import { tempDir } from '../../support/temp.js';

/**
 * The real systemd path of the CLI — `systemd install`, `status`, `doctor` and `systemd uninstall` calling
 * `systemctl --user` and `loginctl` — with stand-in binaries first on PATH (this sandbox runs no user manager):
 * they record their arguments and answer like systemd does.
 */
async function machine() {
  const home = await tempDir();
  const bin = join(home, 'stub-bin');
  const calls = join(home, 'calls.log');
  await mkdir(bin);
  await writeFile(
    join(bin, 'systemctl'),
    [
      '#!/bin/sh',
      `echo "systemctl $*" >> '${calls}'`,
      // `systemctl --user show --property=… unit…`: one block per unit, blank line between.
      'if [ "$2" = show ]; then shift 3; sep=""; for u in "$@"; do [ -n "$sep" ] && echo; sep=1;',
      '  state=active; result=success; case "$u" in *queue.service) state=failed; result=exit-code;; esac',
      '  printf "Id=%s\\nActiveState=%s\\nResult=%s\\nLastTriggerUSec=Sat 2026-11-21 19:31:00 UTC\\nExecMainExitTimestamp=\\n" "$u" "$state" "$result"; done; fi',
      'exit 0',
    ].join('\n'),
  );
  await writeFile(join(bin, 'loginctl'), `#!/bin/sh\necho "loginctl $*" >> '${calls}'\necho no\n`);
  await chmod(join(bin, 'systemctl'), 0o755);
  await chmod(join(bin, 'loginctl'), 0o755);
  const config = await writeTestConfig(home, { projects: [join(home, 'src', 'shop')] });
  const env = { HOME: home, PATH: `${bin}:${process.env.PATH}` };
  return { home, config, env, calls, unitDir: join(home, '.config', 'systemd', 'user') };
}

describe('systemd through the real systemctl path', () => {
  it('install writes, reloads and enables; status and doctor read unit health; uninstall removes', async () => {
    const m = await machine();
    const install = await claudeFailover(['systemd', 'install', '--json', '--config', m.config], { env: m.env });
    expect(install.exitCode, install.stderr).toBe(0);
    expect(JSON.parse(install.stdout)).toMatchObject({ linger: false, warnings: [expect.stringMatching(/enable-linger/)] });
    const units = (await readdir(m.unitDir)).sort();
    expect(units).toHaveLength(9);
    const calls = (await readFile(m.calls, 'utf8')).trim().split('\n');
    expect(calls[0]).toBe('systemctl --user daemon-reload');
    expect(calls[1]?.startsWith('systemctl --user enable --now ')).toBe(true);
    expect(calls[1]?.split(' ').slice(4).sort()).toEqual(units.filter((u) => !u.endsWith('.service')));

    const status = await claudeFailover(['status', '--json', '--config', m.config], { env: m.env });
    const report = JSON.parse(status.stdout);
    expect(report.units).toHaveLength(9);
    expect(report.units.find((u: { unit: string }) => u.unit === 'claude-failover-queue.service')).toMatchObject({ activeState: 'failed', result: 'exit-code', failed: true });
    expect(report.units.find((u: { unit: string }) => u.unit === 'claude-failover-queue.timer')).toMatchObject({ activeState: 'active', lastRun: '2026-11-21T19:31:00.000Z', failed: false });

    const doctor = await claudeFailover(['doctor', '--json', '--config', m.config], { env: m.env });
    const checks = JSON.parse(doctor.stdout).checks as Array<{ name: string; level: string; detail: string }>;
    expect(checks).toContainEqual(expect.objectContaining({ name: 'linger', level: 'warning' }));
    expect(checks).toContainEqual(expect.objectContaining({ name: 'systemd', level: 'error', detail: expect.stringContaining('claude-failover-queue.service (exit-code)') }));

    const uninstall = await claudeFailover(['systemd', 'uninstall', '--json', '--config', m.config], { env: m.env });
    expect(uninstall.exitCode, uninstall.stderr).toBe(0);
    expect(await readdir(m.unitDir)).toEqual([]);
    expect((await readFile(m.calls, 'utf8')).trim().split('\n').slice(-2).map((c) => c.split(' ').slice(0, 4).join(' '))).toEqual([
      'systemctl --user disable --now',
      'systemctl --user daemon-reload',
    ]);
  });

  it('a systemctl that fails makes install exit 1 with systemctl\'s own message', async () => {
    const m = await machine();
    await writeFile(join(m.env.PATH.split(':')[0] as string, 'systemctl'), '#!/bin/sh\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n');
    const run = await claudeFailover(['systemd', 'install', '--config', m.config], { env: m.env });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/systemctl --user daemon-reload failed: Failed to connect to bus/);
  });
});
