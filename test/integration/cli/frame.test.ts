import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/base/lock.js';
import { createMemoryLog } from '../../../src/base/log.js';
import { execa } from 'execa';
import { CLAUDE_FAILOVER_BIN, cclDelegate, claudeFailover } from '../../support/cli.js';
import { writeTestConfig } from '../../support/context.js';
import { tempDir, writeFiles } from '../../support/temp.js';

async function setup(tasks: Record<string, string | Buffer> = {}) {
  const home = await tempDir();
  const project = join(home, 'proj');
  await writeFiles(join(project, '.agent-queue/inbox'), tasks);
  const config = await writeTestConfig(home, { projects: [project] });
  return { home, project, config, env: { HOME: home } };
}

const ESC = '\u001b';

describe('claude-failover frame', () => {
  it('--json prints exactly one JSON document without colour, even with CI=true and FORCE_COLOR=1', async () => {
    const { config, home } = await setup({ 'a.md': '---\npriority: high\n---\nDo it\n', 'bad.md': '---\npriority: [\n---\n' });
    const run = await claudeFailover(['scan-inbox', '--config', config, '--json'], { env: { HOME: home, CI: 'true', FORCE_COLOR: '1' } });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain(ESC);
    const doc = JSON.parse(run.stdout);
    expect(doc.pending).toEqual([expect.objectContaining({ task: 'a.md', priority: 'high', provider: 'claude-code' })]);
    expect(doc.quarantined).toEqual([expect.objectContaining({ task: 'bad.md', reason: expect.stringMatching(/not valid YAML/) })]);
    // The warning about the quarantined task went to stderr, plainly.
    expect(run.stderr).toMatch(/bad\.md is invalid/);
    expect(run.stderr).not.toContain(ESC);
  });

  it('every built command answers --json with parseable JSON, errors included', async () => {
    const { config, home } = await setup();
    const env = { HOME: home, CI: 'true', FORCE_COLOR: '1' };
    for (const args of [
      ['scan-inbox', '--config', config, '--json'],
      ['scan-inbox', '--config', join(home, 'missing.yaml'), '--json'],
      ['scan-inbox', '--json', '--bogus-option'],
    ]) {
      const run = await claudeFailover(args, { env });
      expect(() => JSON.parse(run.stdout), `${args.join(' ')}: ${run.stdout}`).not.toThrow();
      expect(run.stdout).not.toContain(ESC);
    }
    const decide = await cclDelegate(['decide', '--json', '--allow-delegation', '--preferred-ai', 'gpu'], { env });
    expect(JSON.parse(decide.stdout)).toEqual({ provider: 'gpu', reason: 'preferred_ai=gpu, allow_delegation=true', delegated: true });
  });

  it('a config error exits 2 and names the file and key', async () => {
    const { home } = await setup();
    const config = join(home, 'broken.yaml');
    await writeFile(config, 'accounts:\n  - { name: main, home: ~/m }\npool: { autonomous: { max: many } }\n');
    const run = await claudeFailover(['scan-inbox', '--config', config], { env: { HOME: home } });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`${config}: pool.autonomous.max: expected an integer between 0 and 1000, got "many"`);
  });

  it('$CLAUDE_FAILOVER_CONFIG is used when --config is absent', async () => {
    const { config, home } = await setup({ 'a.md': 'x' });
    const run = await claudeFailover(['scan-inbox', '--json'], { env: { HOME: home, CLAUDE_FAILOVER_CONFIG: config } });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout).pending).toHaveLength(1);
  });

  it('a second run blocked by the lock exits 75', async () => {
    const { config, home } = await setup({ 'a.md': 'x' });
    const lock = await acquireLock({ stateDir: join(home, 'state'), command: 'dispatch', log: createMemoryLog() });
    try {
      const run = await claudeFailover(['scan-inbox', '--config', config, '--json'], { env: { HOME: home } });
      expect(run.exitCode).toBe(75);
      expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'locked', exitCode: 75 });
      expect(run.stderr).toMatch(/dispatch \(pid \d+.*holds the lock/);
    } finally {
      await lock.release();
    }
  });

  it('under systemd every log line carries a journald priority prefix', async () => {
    const { config, home } = await setup({ 'bad.md': '---\nnope\n' });
    const run = await claudeFailover(['scan-inbox', '--config', config], { env: { HOME: home, INVOCATION_ID: 'abc', FORCE_COLOR: '1' } });
    expect(run.stderr.trim()).not.toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(/^<[3-7]>/);
    expect(lines[0]).toMatch(/^<4>warn: .*bad\.md is invalid/);
  });

  it('--help of a command explains it, its options and an example', async () => {
    const run = await claudeFailover(['scan-inbox', '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/Find new tasks in every project inbox/);
    expect(run.stdout).toMatch(/--dry-run/);
    expect(run.stdout).toMatch(/Example:\n\s+\$ claude-failover scan-inbox/);
  });

  it('usage errors exit 2', async () => {
    expect((await claudeFailover(['no-such-command'])).exitCode).toBe(2);
    expect((await claudeFailover(['scan-inbox', '--nope'])).exitCode).toBe(2);
  });
});

describe('scan-inbox', () => {
  it('quarantines every kind of bad task with its reason and leaves good ones alone', async () => {
    const big = '---\ntitle: big\n---\n' + 'x'.repeat(1024 * 1024 + 1);
    const { config, home, project } = await setup({
      'good.md': '\uFEFF---\r\ntitle: Good\r\npriority: critical\r\n---\r\nDo it\r\n',
      'plain.md': 'Just a body\n',
      'unclosed.md': '---\ntitle: x\n',
      'types.md': '---\nallow_delegation: "yes"\n---\n',
      'binary.md': Buffer.from([0x00, 0x01, 0x02, 0xff]),
      'huge.md': big,
      'bomb.md': '---\na: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n---\n',
    });
    const run = await claudeFailover(['scan-inbox', '--config', config, '--json'], { env: { HOME: home } });
    expect(run.exitCode).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.pending.map((p: { task: string }) => p.task).sort()).toEqual(['good.md', 'plain.md']);
    const reasons = Object.fromEntries(doc.quarantined.map((q: { task: string; reason: string }) => [q.task, q.reason]));
    expect(reasons).toEqual({
      'binary.md': expect.stringMatching(/binary content/),
      'bomb.md': expect.stringMatching(/alias/i),
      'huge.md': expect.stringMatching(/over the 1048576-byte limit/),
      'types.md': 'frontmatter allow_delegation: expected true or false, got "yes"',
      'unclosed.md': 'frontmatter starts with --- on line 1 but has no closing --- line',
    });
    const inbox = (await readdir(join(project, '.agent-queue/inbox'))).sort();
    expect(inbox).toEqual(['good.md', 'plain.md']);
    const failed = (await readdir(join(project, '.agent-queue/failed'))).sort();
    expect(failed).toEqual(['binary.md', 'bomb.md', 'huge.md', 'types.md', 'unclosed.md']);
    expect(await readFile(join(project, '.agent-queue/failed/types.md'), 'utf8')).toContain('- reason: invalid task: frontmatter allow_delegation');
  });

  it('--dry-run reports the same but moves nothing', async () => {
    const { config, home, project } = await setup({ 'bad.md': '---\nx: [\n---\n' });
    const run = await claudeFailover(['scan-inbox', '--config', config, '--dry-run', '--json'], { env: { HOME: home } });
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, quarantined: [{ task: 'bad.md', movedTo: null }] });
    expect(await readdir(join(project, '.agent-queue/inbox'))).toEqual(['bad.md']);
  });

  it('reports .dispatched files the state does not know and never touches them', async () => {
    const { config, home, project } = await setup({ 'old.md.dispatched': 'legacy claim' });
    const run = await claudeFailover(['scan-inbox', '--config', config, '--json'], { env: { HOME: home } });
    expect(JSON.parse(run.stdout).unknownDispatched).toEqual([{ project, task: 'old.md' }]);
    expect(await readFile(join(project, '.agent-queue/inbox/old.md.dispatched'), 'utf8')).toBe('legacy claim');
  });

  it('a kill right after quarantining loses nothing: the next run finishes cleanly', async () => {
    const { config, home, project } = await setup({ 'a-bad.md': '---\nx: [\n---\n', 'b-bad.md': '---\ny: [\n---\n', 'good.md': 'ok' });
    const killed = await claudeFailover(['scan-inbox', '--config', config], {
      env: { HOME: home, CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-quarantine' },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(await readdir(join(project, '.agent-queue/failed'))).toEqual(['a-bad.md']);
    const again = await claudeFailover(['scan-inbox', '--config', config, '--json'], { env: { HOME: home } });
    expect(again.exitCode).toBe(0);
    expect((await readdir(join(project, '.agent-queue/failed'))).sort()).toEqual(['a-bad.md', 'b-bad.md']);
    expect(await readdir(join(project, '.agent-queue/inbox'))).toEqual(['good.md']);
  });

  it('a kill right after reading changes nothing on disk', async () => {
    const { config, home, project } = await setup({ 'bad.md': '---\nx: [\n---\n' });
    const killed = await claudeFailover(['scan-inbox', '--config', config], { env: { HOME: home, CLAUDE_FAILOVER_FAILPOINT: 'scan-inbox:after-read' } });
    expect(killed.signal).toBe('SIGKILL');
    expect(await readdir(join(project, '.agent-queue/inbox'))).toEqual(['bad.md']);
  });
});

describe('ccl-delegate decide', () => {
  it('prints provider and reason as two bare lines from a task file', async () => {
    const { home, project } = await setup({ 't.md': '---\nallow_delegation: true\npreferred_ai: " Gemini "\n---\nbody\n' });
    const run = await cclDelegate(['decide', join(project, '.agent-queue/inbox/t.md')], { env: { HOME: home } });
    expect(run).toMatchObject({ exitCode: 0, stdout: 'gemini\npreferred_ai=gemini, allow_delegation=true' });
  });

  it('works from flags without any config', async () => {
    const run = await cclDelegate(['decide', '--needs-claude-code', '--allow-delegation', '--preferred-ai', 'gpu'], { env: { HOME: await tempDir() } });
    expect(run).toMatchObject({ exitCode: 0, stdout: 'claude-code\nneeds_claude_code=true' });
    const unknown = await cclDelegate(['decide', '--allow-delegation', '--preferred-ai', 'Mistral', '--json']);
    expect(JSON.parse(unknown.stdout)).toEqual({ provider: 'claude-code', reason: 'unknown preferred_ai=mistral → fail-safe', delegated: false });
  });

  it('an invalid task file exits 1 with the reason', async () => {
    const { home, project } = await setup({ 't.md': '---\npriority: urgent\n---\n' });
    const run = await cclDelegate(['decide', join(project, '.agent-queue/inbox/t.md')], { env: { HOME: home } });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/priority: expected one of critical, high, default, low, got "urgent"/);
  });

  it('--json is one line for scripts, and a reader that stops early (| head) is not an error', async () => {
    const tasks = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`task-${i}.md`, `---\ntitle: Task number ${i}\n---\nDo ${i}.\n`]));
    const { config, home } = await setup(tasks);
    const full = await claudeFailover(['scan-inbox', '--dry-run', '--config', config, '--json'], { env: { HOME: home } });
    expect(full.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(JSON.parse(full.stdout).pending).toHaveLength(2000);
    // Far more than a pipe holds: the CLI is still writing when head exits.
    expect(full.stdout.length).toBeGreaterThan(256 * 1024);
    const script = `node "$0" scan-inbox --dry-run --config "$1" --json 2>"$2" | head -c 100 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    const piped = await execa('bash', ['-c', script, CLAUDE_FAILOVER_BIN, config, join(home, 'stderr.txt')], { env: { HOME: home }, timeout: 30_000 });
    expect(piped.stdout.trim()).toBe('0');
    expect(await readFile(join(home, 'stderr.txt'), 'utf8')).not.toMatch(/EPIPE|Error/);
  });
});
