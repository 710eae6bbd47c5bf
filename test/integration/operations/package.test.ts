import { execa } from 'execa';
import { mkdir, readdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/cli.js';
import { tempDir } from '../../support/temp.js';

/**
 * The package as an operator installs it: `npm pack` of this checkout (built by `npm test`'s pretest), installed into
 * a temp prefix with an empty npm cache and --offline — so it proves the package needs nothing from a registry —
 * then run from there. CI runs the same test.
 */
interface PackResult {
  filename: string;
  files: Array<{ path: string }>;
  entryCount: number;
  size: number;
}

async function pack(dir: string): Promise<PackResult> {
  const run = await execa('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO_ROOT, timeout: 60_000 });
  return (JSON.parse(String(run.stdout)) as PackResult[])[0] as PackResult;
}

describe('the npm package', () => {
  it('ships what runs, and no benchmarks, tests or fixtures', async () => {
    const packed = await pack(await tempDir('cf-pack-'));
    const paths = packed.files.map((f) => f.path);
    for (const needed of [
      'bin/claude-failover.js', 'bin/ccl-delegate.js', 'bin/run-bundle.js', 'dist/bundle/claude-failover.cjs', 'dist/bundle/ccl-delegate.cjs',
      'dist/bundle/demo.mjs', 'fakes/claude', 'fakes/claude-code/releases.mjs', 'systemd/README.md', 'systemd/example/claude-failover-reconcile.service', 'README.md', 'LICENSE',
      'package.json', 'docs/operations.md',
    ]) {
      expect(paths, needed).toContain(needed);
    }
    const unwanted = paths.filter((p) => /^(test|bench|src|scripts|\.ci)\//.test(p) || /^dist\/(src|bench|test)\//.test(p) || /fixtures|\.test\.|tsconfig|vitest/.test(p));
    expect(unwanted).toEqual([]);
  });

  it('installs offline into a prefix and runs from there: --version, doctor --json, systemd install --dry-run naming the installed paths, the demo', async () => {
    const work = await tempDir('cf-install-');
    const packed = await pack(work);
    const prefix = join(work, 'prefix');
    const install = await execa('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(work, 'empty-cache'), '--prefix', prefix, join(work, packed.filename)], {
      timeout: 120_000,
      reject: false,
    });
    expect(install.exitCode, String(install.stderr)).toBe(0);
    // Nothing but the package itself: the bundles carry their libraries.
    expect((await readdir(join(prefix, 'node_modules'))).filter((n) => !n.startsWith('.'))).toEqual(['claude-failover']);
    const installed = await realpath(join(prefix, 'node_modules', 'claude-failover'));
    const cli = join(prefix, 'node_modules', '.bin', 'claude-failover');

    const home = join(work, 'home');
    await mkdir(join(home, '.claude-main'), { recursive: true });
    await writeFile(join(home, '.claude-main', '.credentials.json'), '{}');
    await symlink(join(home, '.claude-main'), join(home, '.claude'));
    const config = join(home, 'config.yaml');
    await writeFile(config, `accounts:\n  - { name: main, home: ~/.claude-main }\nstate_dir: ~/state\ntmux: { socket: cf-pkg-${process.pid} }\n`);
    const env = { PATH: process.env.PATH, HOME: home };
    const run = (args: string[]) => execa(cli, args, { env, extendEnv: false, reject: false, timeout: 60_000 });

    const version = await run(['--version']);
    expect(String(version.stdout).trim()).toBe('0.1.0');
    const delegate = await execa(join(prefix, 'node_modules', '.bin', 'ccl-delegate'), ['--version'], { env, extendEnv: false, reject: false });
    expect(String(delegate.stdout).trim()).toBe('0.1.0');

    const doctor = await run(['doctor', '--json', '--config', config]);
    const checks = JSON.parse(String(doctor.stdout)).checks as Array<{ name: string; level: string }>;
    expect(checks.find((c) => c.name === 'config')?.level).toBe('ok');
    expect(checks.find((c) => c.name === 'account main')?.level).toBe('ok');

    const units = await run(['systemd', 'install', '--dry-run', '--json', '--config', config]);
    expect(units.exitCode, String(units.stderr)).toBe(0);
    const reconcile = (JSON.parse(String(units.stdout)).units as Array<{ name: string; content: string }>).find((u) => u.name === 'claude-failover-reconcile.service');
    expect(reconcile?.content).toContain(`ExecStart=${process.execPath} --max-semi-space-size=2 ${join(installed, 'bin', 'claude-failover.js')} reconcile\n`);
    expect(reconcile?.content).toContain(`Environment=CLAUDE_FAILOVER_CONFIG=${config}\n`);

    // The packaged demo: the whole loop against the installed CLI, self-contained.
    const demo = await execa('node', [join(installed, 'dist', 'bundle', 'demo.mjs')], { env: { PATH: process.env.PATH }, extendEnv: false, reject: false, timeout: 120_000 });
    expect(demo.exitCode, `${String(demo.stdout).slice(-3000)}\n${String(demo.stderr)}`).toBe(0);
    expect(String(demo.stdout)).toMatch(/Demo finished in [\d.]+ s/);
    expect(String(demo.stdout)).toContain('claude_failover_swaps_total 1');
  }, 240_000);
});
