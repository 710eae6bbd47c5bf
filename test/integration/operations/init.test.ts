import { execa } from 'execa';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/base/config-file.js';
import { CLAUDE_FAILOVER_BIN, claudeFailover } from '../../support/cli.js';
import { FAKE_CLAUDE, makeRig, registryEntries, waitFor, type Rig } from '../../support/sessions.js';

/** `init --json` is a documented interface (docs/operations.md): a key may be added; renaming or removing one fails here. */
const RESULT_KEYS = ['accounts', 'activeLink', 'asked', 'config', 'configPath', 'dedicated', 'next', 'otherSessions', 'outcome', 'pool', 'projects', 'sharedRoot', 'tmux', 'warnings', 'written'];
const ACCOUNT_KEYS = ['active', 'credentialsPresent', 'home', 'loginExpiresAt', 'name'];
const POOL_KEYS = ['max', 'min', 'prefix', 'running', 'startIndex'];
const DEDICATED_KEYS = ['evidence', 'project', 'session'];
const NEXT_KEYS = ['command', 'would'];
const keys = (value: unknown) => Object.keys(value as object).sort();

const TOKEN = 'sk-ant-oat01-init-must-never-print-this';
const EXPIRES = Date.parse('2027-03-01T00:00:00Z');

/**
 * A machine like the demo's, found by init: two logged-in homes (main active), a pool run ccl-auto-11/12, the
 * operator's numbered ccl-0/ccl-1, a Claude Code running in a project in ccl-1-proj (its registry entry without
 * the tmux field, so only process ancestry ties it to the session), and a second project with a queue.
 */
async function demoLikeMachine(): Promise<Rig & { other: string; xdgConfig: string }> {
  const rig = await makeRig();
  await writeFile(join(rig.home, '.claude-main', '.credentials.json'), JSON.stringify({ claudeAiOauth: { accessToken: TOKEN, expiresAt: EXPIRES, subscriptionType: 'max' } }));
  await writeFile(join(rig.home, '.claude-backup', '.claude.json'), '{"hasCompletedOnboarding": true}');
  await mkdir(join(rig.home, '.claude-shared'));
  await symlink(join(rig.home, '.claude-main'), join(rig.home, '.claude'));
  const other = join(rig.home, 'src', 'ops');
  await mkdir(join(other, '.agent-queue', 'inbox'), { recursive: true });
  for (const name of ['ccl-auto-11', 'ccl-auto-12', 'ccl-0', 'ccl-1']) await rig.tmux.newSession(name, { cwd: rig.home });
  await rig.tmux.newSession('ccl-1-proj', { cwd: rig.project });
  // `env -u TMUX_PANE`: the fake then cannot learn its tmux location and writes no `tmux` field, as 2.1.200 does.
  await rig.tmux.sendLine('ccl-1-proj', `env -u TMUX_PANE CLAUDE_CONFIG_DIR=${join(rig.home, '.claude-main')} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
  await waitFor('the dedicated Claude Code', async () => (await registryEntries(rig.home, '.claude-main')).length === 1, 15_000);
  return Object.assign(rig, { other, xdgConfig: join(rig.home, '.config', 'claude-failover', 'config.yaml') });
}

const init = (rig: Rig, args: string[], input?: string) => claudeFailover(['init', '--tmux-socket', rig.socket, ...args], { env: rig.env, ...(input === undefined ? {} : { input }) });

describe('init', () => {
  it('finds the homes, the pool, the dedicated session and the queues, and writes a 0600 config the loader and doctor accept', async () => {
    const rig = await demoLikeMachine();
    const run = await init(rig, ['--yes', '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(keys(result)).toEqual(expect.arrayContaining(RESULT_KEYS));
    expect(keys(result.accounts[0])).toEqual(expect.arrayContaining(ACCOUNT_KEYS));
    expect(keys(result.pool)).toEqual(expect.arrayContaining(POOL_KEYS));
    expect(keys(result.dedicated[0])).toEqual(expect.arrayContaining(DEDICATED_KEYS));
    expect(keys(result.next[0])).toEqual(expect.arrayContaining(NEXT_KEYS));

    expect(result).toMatchObject({ configPath: rig.xdgConfig, outcome: 'written', written: true, asked: false, sharedRoot: join(rig.home, '.claude-shared') });
    expect(result.accounts).toEqual([
      { name: 'main', home: join(rig.home, '.claude-main'), active: true, credentialsPresent: true, loginExpiresAt: new Date(EXPIRES).toISOString() },
      { name: 'backup', home: join(rig.home, '.claude-backup'), active: false, credentialsPresent: false, loginExpiresAt: null },
    ]);
    expect(result.pool).toEqual({ prefix: 'ccl-auto-', startIndex: 11, min: 2, max: 2, running: ['ccl-auto-11', 'ccl-auto-12'] });
    expect(result.dedicated).toEqual([{ session: 'ccl-1-proj', project: rig.project, evidence: 'registry' }]);
    expect(result.projects).toEqual([rig.other]);
    expect(result.otherSessions.map((o: { session: string }) => o.session).sort()).toEqual(['ccl-0', 'ccl-1']);
    expect(result.tmux).toEqual({ server: `tmux -L ${rig.socket}`, sessions: 5 });
    expect(result.next.map((n: { command: string }) => n.command)).toEqual([
      'claude-failover validate-symlinks --fix', 'claude-failover hook install', 'claude-failover doctor', 'claude-failover systemd install',
    ]);
    // Nothing links the shared root yet: --fix would create every link of both homes.
    expect(result.next[0].would).toEqual(expect.arrayContaining([`link ${join(rig.home, '.claude-main', 'projects')} → ${join(rig.home, '.claude-shared', 'projects')}`]));
    expect(result.next[1].would[0]).toContain(join(rig.home, '.claude-backup', 'settings.json'));

    const text = await readFile(rig.xdgConfig, 'utf8');
    expect(text).toBe(result.config);
    expect((await stat(rig.xdgConfig)).mode & 0o777).toBe(0o600);
    for (const output of [run.stdout, run.stderr, text]) expect(output).not.toContain(TOKEN);
    const config = await loadConfig({ env: {}, home: rig.home });
    expect(config.tmux.socket).toBe(rig.socket);
    expect(config.pool.dedicated).toEqual([{ session: 'ccl-1-proj', project: rig.project }]);
    expect(config.projects).toEqual([rig.other]);

    const doctor = await claudeFailover(['doctor', '--json'], { env: rig.env });
    const checks = JSON.parse(doctor.stdout).checks as Array<{ name: string; level: string; detail: string }>;
    expect(checks.find((c) => c.name === 'config')).toMatchObject({ level: 'ok', detail: `${rig.xdgConfig} is valid` });
    expect(checks.find((c) => c.name === 'account main')?.detail).toContain('login expires 2027-03-01T00:00:00.000Z');

    // A second init never overwrites it, and says which file.
    const again = await init(rig, ['--yes']);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain(`a config already exists at ${rig.xdgConfig}`);
    expect(await readFile(rig.xdgConfig, 'utf8')).toBe(text);
  });

  it('without a terminal and without --yes it shows the config and exits 2; --dry-run exits 0; neither writes', async () => {
    const rig = await demoLikeMachine();
    const shown = await init(rig, []);
    expect(shown.exitCode).toBe(2);
    expect(shown.stdout).toContain('autonomous: { prefix: ccl-auto-, start_index: 11, min: 2, max: 2 }');
    expect(shown.stdout).toContain('not written: there is no terminal to ask on; run init --yes');
    const dry = await init(rig, ['--dry-run', '--json']);
    expect(dry.exitCode).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ outcome: 'dry-run', written: false });
    await expect(stat(rig.xdgConfig)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('on a terminal it asks, and writes only on yes', async () => {
    const rig = await demoLikeMachine();
    // script(1) gives the CLI a terminal on stdin and stdout, as an operator's shell does.
    const onTerminal = (answer: string) =>
      execa('script', ['-qec', `node ${CLAUDE_FAILOVER_BIN} init --tmux-socket ${rig.socket}`, '/dev/null'], { env: { ...rig.env, TERM: 'dumb' }, extendEnv: false, input: `${answer}\n`, reject: false, timeout: 30_000 });
    const no = await onTerminal('n');
    expect(String(no.stdout)).toContain(`Write ${rig.xdgConfig}? [y/N]`);
    expect(String(no.stdout)).toContain('nothing written');
    await expect(stat(rig.xdgConfig)).rejects.toMatchObject({ code: 'ENOENT' });
    const yes = await onTerminal('y');
    expect(String(yes.stdout)).toContain(`wrote ${rig.xdgConfig} (mode 600)`);
    // The config was shown once, before the question.
    expect(String(yes.stdout).split('autonomous: { prefix').length).toBe(2);
    expect((await stat(rig.xdgConfig)).mode & 0o777).toBe(0o600);
  });

  it('a machine without any logged-in home gets the way to log in, not a config', async () => {
    const rig = await makeRig();
    const run = await init(rig, ['--yes']);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/no account home found/);
    expect(run.stderr).toMatch(/CLAUDE_CONFIG_DIR=~\/\.claude-main claude, then \/login/);
  });
});
