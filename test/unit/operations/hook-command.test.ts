import { describe, expect, it } from 'vitest';
import { hookCommandLine, hookCommandLines, plainWords, toolHookEvent } from '../../../src/operations/core/hook-command.js';

describe('hookCommandLine', () => {
  it('is absolute and single-quoted: node, its flags, the bin, the subcommand, --config', () => {
    const lines = hookCommandLines({ node: '/usr/bin/node', nodeFlags: ['--max-semi-space-size=2'], bin: '/opt/cf/bin/claude-failover.js', configPath: '/etc/cf.yaml' });
    expect(lines).toEqual({
      Stop: "'/usr/bin/node' --max-semi-space-size=2 '/opt/cf/bin/claude-failover.js' hook stop --config '/etc/cf.yaml'",
      StopFailure: "'/usr/bin/node' --max-semi-space-size=2 '/opt/cf/bin/claude-failover.js' hook stop-failure --config '/etc/cf.yaml'",
    });
  });

  it.each([
    ['spaces', '/home/op/My Tools/cf/bin/claude-failover.js', '/home/op/my config.yaml'],
    ["a single quote", "/home/o'brien/cf/bin/claude-failover.js", "/home/o'brien/cf.yaml"],
    ['$, backquotes and ;', '/srv/$x/`y`;z/bin/claude-failover.js', '/srv/a;b/$(c).yaml'],
    ['non-ASCII', '/home/zoë/工具/bin/claude-failover.js', '/home/zoë/配置.yaml'],
  ])('paths with %s: one literal word each, recognised as ours again', (_label, bin, configPath) => {
    for (const event of ['Stop', 'StopFailure'] as const) {
      const line = hookCommandLine({ node: '/usr/bin/node', nodeFlags: [], bin, configPath }, event);
      expect(plainWords(line)).toEqual(['/usr/bin/node', bin, 'hook', event === 'Stop' ? 'stop' : 'stop-failure', '--config', configPath]);
      expect(toolHookEvent(line)).toBe(event);
    }
  });
});

describe('toolHookEvent: exactly a run of the tool hook, nothing that merely mentions it', () => {
  it.each([
    ['claude-failover hook stop', 'Stop'],
    ['claude-failover hook stop-failure', 'StopFailure'],
    ['  /usr/local/bin/claude-failover hook stop -v  ', 'Stop'],
    ['/usr/bin/node /x/bin/claude-failover.js hook stop-failure --config /c.yaml', 'StopFailure'],
    ["node --max-semi-space-size=2 '/a b/claude-failover.js' hook stop --config='/c d.yaml'", 'Stop'],
    ['"/usr/bin/node" "/opt/cf/bin/claude-failover.js" hook stop --verbose --config "/c.yaml"', 'Stop'],
    ['/opt/node20/bin/node20 /opt/cf/dist/bundle/claude-failover.cjs hook stop', 'Stop'],
  ])('ours: %s', (line, event) => expect(toolHookEvent(line)).toBe(event));

  it.each([
    'claude-failover hook stop | tee -a /tmp/log',
    'claude-failover hook stop; rm -rf ~',
    'claude-failover hook stop && say done',
    'claude-failover hook stop > /tmp/out',
    'claude-failover hook stop --config /c extra',
    'claude-failover hook stop --config',
    'claude-failover hook stop $HOME/c.yaml',
    'claude-failover hook stop --config "$HOME/c.yaml"',
    'claude-failover hook install',
    'claude-failover hook',
    'claude-failover stop',
    'my-wrapper claude-failover hook stop',
    'npx claude-failover hook stop',
    "bash -c 'claude-failover hook stop'",
    "'claude-failover hook stop'",
    'echo claude-failover hook stop',
    'claude-failover-old hook stop',
    'node --require /evil.js /x/not-it.js hook stop',
    '`which claude-failover` hook stop',
    'claude-failover hook stop\nrm -rf ~',
    '',
    "'unterminated",
  ])('not ours: %j', (line) => expect(toolHookEvent(line)).toBeNull());
});
