import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath, loadConfig, parseConfigText } from '../../../src/base/config-file.js';
import { buildConfig, delegationStatus, isPoolSessionName, poolSessionNames, projectDirs } from '../../../src/base/core/config.js';
import { parseDuration } from '../../../src/base/core/duration.js';
import { FailoverError } from '../../../src/base/core/errors.js';
import { tempDir } from '../../support/temp.js';

const HOME = '/home/op';
const minimal = 'accounts:\n  - { name: main, home: ~/.claude-main }\n';

function problems(yaml: string): string {
  try {
    parseConfigText(yaml, '/etc/cf.yaml', HOME);
  } catch (error) {
    expect(error).toBeInstanceOf(FailoverError);
    expect((error as FailoverError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('fills every default and expands ~', () => {
    const config = parseConfigText(minimal, '/etc/cf.yaml', HOME);
    expect(config.accounts).toEqual([{ name: 'main', home: '/home/op/.claude-main' }]);
    expect(config.activeLink).toBe('/home/op/.claude');
    expect(config.shared).toEqual({ root: '/home/op/.claude-shared', entries: ['projects', 'file-history', 'session-env'] });
    expect(config.pool.autonomous).toEqual({ prefix: 'ccl-auto-', startIndex: 11, min: 10, max: 10 });
    expect(config.dispatch).toMatchObject({ claudeCommand: 'claude', models: { critical: 'opus', default: 'sonnet' }, promptTimeoutMs: 30_000, sessionCooldownMs: 300_000, maxAttempts: 3 });
    expect(config.completion.idleTimeoutMs).toBe(7_200_000);
    expect(config.quota).toEqual({ reactivateCooldownMs: 300_000, confirmPolls: 2 });
    expect(config.delegation).toMatchObject({ enabled: false, apiKeyEnv: 'SECUTOOLS_API_KEY', retries: 4, pollConcurrency: 16, jobTimeoutMs: 21_600_000 });
    expect(config.stateDir).toBe('/home/op/.local/state/claude-failover');
    expect(config.resumeDir).toBe('/home/op/.claude-context');
    expect(config.tmux.socket).toBeNull();
    expect(config.notify.command).toBeNull();
  });

  it('names the file, the key path and what was expected', () => {
    const message = problems(minimal + 'pool:\n  autonomous: { min: ten }\n');
    expect(message).toContain('/etc/cf.yaml: pool.autonomous.min: expected an integer between 0 and 1000, got "ten"');
  });

  it('refuses unknown keys at every level, listing the known ones', () => {
    const message = problems(minimal + 'pool:\n  autonomus: {}\ndelegaton: {}\n');
    expect(message).toContain('pool.autonomus: unknown key (known keys here: autonomous, dedicated)');
    expect(message).toContain('delegaton: unknown key');
    expect(message).toMatch(/2 problems/);
  });

  it('reports every problem at once', () => {
    const message = problems(
      [
        'accounts:',
        '  - { name: main, home: relative/path }',
        '  - { name: main }',
        'dispatch: { prompt_timeout: soon, max_attempts: 0, models: { critical: 7 } }',
        'delegation: { enabled: "yes", base_url: ftp://x, api_key_env: "sk-live-123" }',
        'tmux: { socket: "a b" }',
        'shared: { entries: [projects, "../escape"] }',
      ].join('\n'),
    );
    for (const expected of [
      'accounts[0].home: expected an absolute path or one starting with ~/, got "relative/path"',
      'accounts[1].home: expected a non-empty string (required), got nothing',
      'accounts[1].name: "main" repeats accounts[0].name',
      'dispatch.prompt_timeout: expected a duration such as "30s", "5m" or "2h", got "soon"',
      'dispatch.max_attempts: expected an integer between 1 and 100, got number 0',
      'dispatch.models.critical: expected a non-empty string, got number 7',
      'delegation.enabled: expected true or false, got "yes"',
      'delegation.base_url: expected an http(s) URL',
      'delegation.api_key_env: expected the NAME of an environment variable',
      'tmux.socket: expected a socket name',
      'shared.entries[1]: expected a plain folder name',
    ]) {
      expect(message).toContain(expected);
    }
    // A key mistakenly pasted where its variable name belongs is never echoed back.
    expect(message).not.toContain('sk-live-123');
  });

  it('requires at least one account', () => {
    expect(problems('projects: []\n')).toContain('accounts: expected a list of { name, home } (required, in failover order)');
    expect(problems('accounts: []\n')).toContain('accounts: expected at least one account');
    expect(problems('- just\n- a list\n')).toContain('(top level): expected a mapping of keys');
  });

  it('refuses min above max and dedicated sessions inside the pool range', () => {
    const message = problems(minimal + 'pool:\n  autonomous: { min: 5, max: 2 }\n  dedicated:\n    - { session: ccl-auto-11, project: ~/p }\n');
    expect(message).toContain('pool.autonomous.min: expected at most pool.autonomous.max (2), got 5');
    expect(message).toContain('pool.dedicated[0].session: "ccl-auto-11" is inside the autonomous pool range');
  });

  it('reports broken YAML with the file name', () => {
    expect(problems('accounts: [\n')).toMatch(/^\/etc\/cf\.yaml: not valid YAML/);
    expect(problems('a: 1\na: 2\n')).toMatch(/not valid YAML/);
  });

  it('looks up --config, then $CLAUDE_FAILOVER_CONFIG, then XDG_CONFIG_HOME, then ~/.config', () => {
    expect(configPath({ explicit: '/x.yaml', env: { CLAUDE_FAILOVER_CONFIG: '/y.yaml' }, home: HOME }).path).toBe('/x.yaml');
    expect(configPath({ env: { CLAUDE_FAILOVER_CONFIG: '/y.yaml', XDG_CONFIG_HOME: '/xdg' }, home: HOME }).path).toBe('/y.yaml');
    expect(configPath({ env: { XDG_CONFIG_HOME: '/xdg' }, home: HOME }).path).toBe('/xdg/claude-failover/config.yaml');
    expect(configPath({ env: {}, home: HOME }).path).toBe('/home/op/.config/claude-failover/config.yaml');
  });

  it('a missing config file is a usage error naming the path', async () => {
    const dir = await tempDir();
    await expect(loadConfig({ env: { XDG_CONFIG_HOME: dir }, home: dir })).rejects.toMatchObject({
      exitCode: 2,
      code: 'config-missing',
      message: expect.stringContaining(join(dir, 'claude-failover', 'config.yaml')),
    });
    await writeFile(join(dir, 'cf.yaml'), minimal);
    await expect(loadConfig({ explicit: join(dir, 'cf.yaml'), env: {}, home: dir })).resolves.toMatchObject({ file: join(dir, 'cf.yaml') });
  });

  it('delegation is active only when enabled and the key variable is set', () => {
    const on = parseConfigText(minimal + 'delegation: { enabled: true, api_key_env: MY_KEY }\n', '/c', HOME);
    const off = parseConfigText(minimal, '/c', HOME);
    expect(delegationStatus(on, { MY_KEY: 'secret-value' })).toEqual({ active: true, apiKey: 'secret-value' });
    expect(delegationStatus(on, {})).toEqual({ active: false, reason: 'delegation is enabled but $MY_KEY is not set' });
    expect(delegationStatus(on, { MY_KEY: '  ' })).toMatchObject({ active: false });
    expect(delegationStatus(off, { SECUTOOLS_API_KEY: 'k' })).toEqual({ active: false, reason: 'delegation.enabled is false' });
  });
});

describe('pool names and projects', () => {
  const pool = { prefix: 'ccl-auto-', startIndex: 11, min: 10, max: 10 };
  it('lists the pool range and matches names exactly', () => {
    expect(poolSessionNames(pool)).toEqual(Array.from({ length: 10 }, (_, i) => `ccl-auto-${11 + i}`));
    expect(isPoolSessionName('ccl-auto-11', pool)).toBe(true);
    expect(isPoolSessionName('ccl-auto-20', pool)).toBe(true);
    for (const name of ['ccl-auto-1', 'ccl-auto-21', 'ccl-auto-011', 'ccl-auto-11x', 'ccl-1-conformvault', 'ccl-auto-']) {
      expect(isPoolSessionName(name, pool)).toBe(false);
    }
  });

  it('scans dedicated projects and projects once each', () => {
    const built = buildConfig(
      { accounts: [{ name: 'a', home: '/h/a' }], projects: ['/p/one', '/p/two/'], pool: { dedicated: [{ session: 'ccl-1-x', project: '/p/one' }] } },
      HOME,
      null,
    );
    expect(built.ok && projectDirs(built.config)).toEqual(['/p/one', '/p/two']);
  });
});

describe('durations', () => {
  it('parses the documented units and combinations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1d')).toBe(86_400_000);
    for (const bad of ['', '5', 'm', '5 minutes', '-5m', '5x']) expect(parseDuration(bad)).toBeUndefined();
  });
});
