import { describe, expect, it } from 'vitest';
import { MAX_SETTINGS_BYTES, TOOL_HOOK_TIMEOUT_S, hookPresence, installHooks, uninstallHooks } from '../../../src/claude-code/core/settings-hooks.js';
import { hookCommandLines, toolHookEvent } from '../../../src/operations/core/hook-command.js';

const WANTED = hookCommandLines({ node: '/usr/bin/node', nodeFlags: ['--max-semi-space-size=2'], bin: '/opt/cf/bin/claude-failover.js', configPath: '/home/op/.config/claude-failover/config.yaml' });
const OLDER = hookCommandLines({ node: '/usr/local/bin/node', nodeFlags: [], bin: '/old/place/bin/claude-failover.js', configPath: '/home/op/old.yaml' });
const ours = (command: string) => ({ type: 'command', command, timeout: TOOL_HOOK_TIMEOUT_S });

const install = (text: string | null) => {
  const result = installHooks(text, WANTED, toolHookEvent);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};
const uninstall = (text: string | null) => {
  const result = uninstallHooks(text, toolHookEvent);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
};
const json = (text: string | null) => JSON.parse((text as string).replace(/^\uFEFF/, '')) as Record<string, any>;

/** Operator hooks in every shape Claude Code accepts: with and without matcher, every handler type, several per group. */
const OPERATOR = {
  model: 'opus',
  env: { FOO: 'bar' },
  permissions: { allow: ['Bash(npm test:*)'], deny: [] },
  hooks: {
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '/home/op/bin/guard.sh', timeout: 5 }] }],
    Stop: [
      { hooks: [{ type: 'command', command: 'notify-send done' }] },
      { matcher: '', hooks: [{ type: 'prompt', prompt: 'Did the tests pass?' }, { type: 'command', command: 'claude-failover hook stop | tee -a /tmp/log' }] },
      { matcher: '*', hooks: [{ type: 'http', url: 'http://127.0.0.1:9000/stop' }, { type: 'agent', prompt: 'check' }, { type: 'mcp_tool', server: 'x', tool: 'y' }] },
    ],
    StopFailure: [{ matcher: 'rate_limit', hooks: [{ type: 'command', command: '/home/op/bin/page-me', async: true }] }],
    Notification: [{ hooks: [{ type: 'command', command: 'say hi' }] }],
  },
  statusLine: { type: 'command', command: '~/.claude/statusline.sh' },
};
const operatorText = JSON.stringify(OPERATOR, null, 2) + '\n';

describe('installHooks', () => {
  it.each([
    ['no settings.json', null],
    ['an empty file', ''],
    ['a file of blank lines', '\n\n'],
    ['an empty object', '{}\n'],
  ])('%s: writes both hooks, two-space JSON with a final newline', (_label, text) => {
    const edit = install(text);
    expect(edit.changes).toEqual(["Stop: added the tool's hook", "StopFailure: added the tool's hook"]);
    expect(edit.text).toBe(JSON.stringify({ hooks: { Stop: [{ hooks: [ours(WANTED.Stop)] }], StopFailure: [{ hooks: [ours(WANTED.StopFailure)] }] } }, null, 2) + '\n');
  });

  it("keeps the operator's keys and hooks, every shape, in their order; ours go at the end of their event's list", () => {
    const edit = install(operatorText);
    const doc = json(edit.text);
    expect(Object.keys(doc)).toEqual(['model', 'env', 'permissions', 'hooks', 'statusLine']);
    expect(Object.keys(doc.hooks)).toEqual(['PreToolUse', 'Stop', 'StopFailure', 'Notification']);
    expect(doc.hooks.Stop).toEqual([...OPERATOR.hooks.Stop, { hooks: [ours(WANTED.Stop)] }]);
    expect(doc.hooks.StopFailure).toEqual([...OPERATOR.hooks.StopFailure, { hooks: [ours(WANTED.StopFailure)] }]);
    const { hooks: _before, ...restBefore } = OPERATOR;
    const { hooks: _after, ...restAfter } = doc;
    expect(restAfter).toEqual(restBefore);
    expect(doc.hooks.PreToolUse).toEqual(OPERATOR.hooks.PreToolUse);
    expect(doc.hooks.Notification).toEqual(OPERATOR.hooks.Notification);
  });

  it('is idempotent: a second run changes nothing (the file is not rewritten)', () => {
    for (const start of [null, '', operatorText, '{"a":1}', '{\n\t"a": 1\n}']) {
      const first = install(start);
      expect(install(first.text)).toEqual({ text: null, changes: [] });
    }
  });

  it('our current entry already there: nothing to do', () => {
    const text = JSON.stringify({ hooks: { Stop: [{ hooks: [ours(WANTED.Stop)] }], StopFailure: [{ matcher: '', hooks: [ours(WANTED.StopFailure)] }] } });
    expect(install(text)).toEqual({ text: null, changes: [] });
  });

  it('an older command line of ours is updated in place, next to the operator hook in its group', () => {
    const text = JSON.stringify({ hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command: 'say stop' }, { type: 'command', command: OLDER.Stop }] }, { hooks: [{ type: 'command', command: 'later' }] }] } });
    const edit = install(text);
    expect(edit.changes).toEqual(["Stop: updated the tool's hook to the current command line", "StopFailure: added the tool's hook"]);
    expect(json(edit.text).hooks.Stop).toEqual([{ matcher: '', hooks: [{ type: 'command', command: 'say stop' }, ours(WANTED.Stop)] }, { hooks: [{ type: 'command', command: 'later' }] }]);
  });

  it('a hand-written `claude-failover hook stop` counts as ours; duplicates and ours under the wrong event are removed', () => {
    const text = JSON.stringify({
      hooks: {
        Stop: [
          { hooks: [{ type: 'command', command: 'claude-failover hook stop' }] },
          { hooks: [{ type: 'command', command: WANTED.Stop }, { type: 'command', command: 'keep me' }] },
          { hooks: [{ type: 'command', command: WANTED.StopFailure }] },
        ],
      },
    });
    const edit = install(text);
    expect(json(edit.text).hooks.Stop).toEqual([{ hooks: [ours(WANTED.Stop)] }, { hooks: [{ type: 'command', command: 'keep me' }] }]);
    expect(json(edit.text).hooks.StopFailure).toEqual([{ hooks: [ours(WANTED.StopFailure)] }]);
    expect(edit.changes).toContain('Stop: removed 2 other entries of the tool');
  });

  it.each([
    ['broken JSON', '{"model": "opus",', /^not valid JSON \(.+\)$/],
    ['a JSON array', '[{"hooks": {}}]', /a JSON array, expected a JSON object/],
    ['null', 'null', /null, expected a JSON object/],
    ['a string', '"hooks"', /a string, expected a JSON object/],
    ['hooks that are a list', '{"hooks": []}', /"hooks" is not an object/],
    ['an event that is not a list', '{"hooks": {"Stop": {"hooks": []}}}', /"hooks.Stop" is not a list/],
    ['a huge file', `{"x": "${'a'.repeat(MAX_SETTINGS_BYTES)}"}`, /larger than 1024 KiB/],
  ])('refuses %s, naming the problem', (_label, text, reason) => {
    const result = installHooks(text, WANTED, toolHookEvent);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
    // Uninstalling needs to understand the file as far as our entries could be in it.
    expect(uninstallHooks(text, toolHookEvent)).toEqual(text.includes('"Stop": {') ? { ok: true, value: { text: null, changes: [] } } : expect.objectContaining({ ok: false }));
  });

  it.each([
    ['four spaces', '{\n    "model": "opus"\n}\n', /^\{\n {4}"model": "opus",\n {4}"hooks": \{\n {8}"Stop"/],
    ['tabs', '{\n\t"model": "opus"\n}\n', /^\{\n\t"model": "opus",\n\t"hooks": \{\n\t\t"Stop"/],
    ['CRLF line ends', '{\r\n  "model": "opus"\r\n}\r\n', /^\{\r\n {2}"model": "opus",\r\n {2}"hooks": \{\r\n/],
    ['a byte-order mark', '\uFEFF{\n  "model": "opus"\n}\n', /^\uFEFF\{\n {2}"model"/],
    ['one line', '{"model":"opus"}', /^\{"model":"opus","hooks":\{"Stop":\[/],
  ])("keeps the file's layout: %s", (_label, text, shape) => {
    const edit = install(text);
    expect(edit.text).toMatch(shape);
    expect(json(edit.text).model).toBe('opus');
    expect(/\r?\n$/.test(edit.text as string)).toBe(/\n$/.test(text));
    if (!text.includes('\r\n')) expect(edit.text).not.toContain('\r');
  });

  it('a key named __proto__ stays a plain key and pollutes nothing', () => {
    const edit = install('{"__proto__": {"polluted": true}, "model": "opus"}');
    expect(edit.text).toContain('"__proto__":{"polluted":true}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(uninstall(edit.text).text).toBe('{"__proto__":{"polluted":true},"model":"opus"}');
  });
});

describe('uninstallHooks', () => {
  it("removes exactly the tool's entries: the operator's file comes back as it was, byte for byte", () => {
    const installed = install(operatorText).text as string;
    const removed = uninstall(installed);
    expect(removed.changes).toEqual(['Stop: removed 1 entry of the tool', 'StopFailure: removed 1 entry of the tool']);
    expect(removed.text).toBe(operatorText);
  });

  it('drops the lists and the hooks object only our entries filled; one the operator left empty stays', () => {
    expect(uninstall(install('{"model": "opus"}').text).text).toBe('{"model":"opus"}');
    expect(uninstall(install(null).text).text).toBe('{}\n');
    const emptyList = JSON.stringify({ hooks: { Stop: [], StopFailure: [{ hooks: [ours(OLDER.StopFailure)] }], PostToolUse: [{ hooks: [] }] } });
    expect(json(uninstall(emptyList).text)).toEqual({ hooks: { Stop: [], PostToolUse: [{ hooks: [] }] } });
  });

  it('removes ours under any event and keeps the rest of a shared group', () => {
    const text = JSON.stringify({ hooks: { SessionEnd: [{ hooks: [{ type: 'command', command: 'mine' }, { type: 'command', command: OLDER.Stop }] }] } });
    expect(json(uninstall(text).text)).toEqual({ hooks: { SessionEnd: [{ hooks: [{ type: 'command', command: 'mine' }] }] } });
  });

  it('nothing of ours: nothing to do, the file is not rewritten', () => {
    expect(uninstall(null)).toEqual({ text: null, changes: [] });
    expect(uninstall(operatorText)).toEqual({ text: null, changes: [] });
    expect(uninstall('')).toEqual({ text: null, changes: [] });
  });
});

describe('hookPresence', () => {
  it('tells current, another command line of ours, and missing apart', () => {
    const text = JSON.stringify({ hooks: { Stop: [{ hooks: [ours(WANTED.Stop)] }], StopFailure: [{ hooks: [ours(OLDER.StopFailure)] }] } });
    expect(hookPresence(text, WANTED, toolHookEvent)).toEqual({ ok: true, value: { Stop: 'current', StopFailure: 'other' } });
    expect(hookPresence(text, null, toolHookEvent)).toEqual({ ok: true, value: { Stop: 'current', StopFailure: 'current' } });
    expect(hookPresence(operatorText, WANTED, toolHookEvent)).toEqual({ ok: true, value: { Stop: 'missing', StopFailure: 'missing' } });
    expect(hookPresence(null, WANTED, toolHookEvent)).toEqual({ ok: true, value: { Stop: 'missing', StopFailure: 'missing' } });
    expect(hookPresence('[', WANTED, toolHookEvent).ok).toBe(false);
  });
});
