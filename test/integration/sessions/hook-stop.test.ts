import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run as hookStop } from '../../../src/sessions/hook-stop.command.js';
import { CLAUDE_FAILOVER_BIN, claudeFailover } from '../../support/cli.js';
import { paneOf, transcriptIn } from '../../support/hooks.js';
import { addTask, makeRig, queueFiles, registryEntries, submissionCount, waitFor, type Rig } from '../../support/sessions.js';

const cli = (rig: Rig, args: string[], extra: { env?: NodeJS.ProcessEnv; input?: string } = {}) =>
  claudeFailover([...args, '--config', rig.configPath], { env: { ...rig.env, ...extra.env }, input: extra.input ?? '' });

describe('dispatch and reconcile as real processes', () => {
  it('two concurrent dispatch runs never launch a task twice', async () => {
    const rig = await makeRig({ pool: { min: 4, max: 4 } });
    expect((await cli(rig, ['reconcile'])).exitCode).toBe(0);
    for (let i = 0; i < 4; i++) await addTask(rig.project, `t${i}.md`, `task ${i}\n`);

    const runs = await Promise.all([cli(rig, ['dispatch', '--json']), cli(rig, ['dispatch', '--json'])]);
    for (const run of runs) expect([0, 75]).toContain(run.exitCode);
    const launched = runs.filter((r) => r.exitCode === 0).flatMap((r) => (JSON.parse(r.stdout) as { launched: Array<{ task: string }> }).launched.map((l) => l.task));
    expect(launched.sort()).toEqual(['t0.md', 't1.md', 't2.md', 't3.md']);

    await waitFor('4 submissions', async () => (await Promise.all([0, 1, 2, 3].map((i) => submissionCount(rig.home, `t${i}.md`)))).every((n) => n === 1));
    // Another pass finds nothing left to start.
    const third = JSON.parse((await cli(rig, ['dispatch', '--json'])).stdout) as { launched: unknown[] };
    expect(third.launched).toEqual([]);
    for (let i = 0; i < 4; i++) expect(await submissionCount(rig.home, `t${i}.md`)).toBe(1);
  });

  it('completes the loop inbox → pool session → done/ through the CLI, with --json documents', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await cli(rig, ['reconcile']);
    await addTask(rig.project, 'a.md', 'hello\n');
    const dispatched = await cli(rig, ['dispatch', '--json']);
    expect(dispatched.exitCode).toBe(0);
    expect(JSON.parse(dispatched.stdout)).toMatchObject({ launched: [{ session: 'ccl-auto-11', task: 'a.md' }] });
    await waitFor('the turn to end', async () => (await registryEntries(rig.home))[0]?.status === 'idle');
    const reconciled = await cli(rig, ['reconcile', '--json']);
    expect(JSON.parse(reconciled.stdout)).toMatchObject({ finished: [{ session: 'ccl-auto-11', task: 'a.md' }] });
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: [], done: ['a.md'] });
  });
});

describe('hook stop', () => {
  const id = 'fd694bc5-3cca-4bcc-93d1-d2fb004ae3ea';
  const payload = (transcript: string) => JSON.stringify({ session_id: id, transcript_path: transcript, cwd: '/w', hook_event_name: 'Stop' });

  it('writes the signal file of the pane\'s pool session, on the server $TMUX names', async () => {
    const rig = await makeRig();
    const env = await paneOf(rig, 'ccl-auto-11');
    const transcript = await transcriptIn(join(rig.home, '.claude-main'), id);
    const run = await cli(rig, ['hook', 'stop', '--json'], { env, input: payload(transcript) });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ written: true, session: 'ccl-auto-11' });
    const signal = JSON.parse(await readFile(join(rig.home, 'state', 'signals', 'ccl-auto-11.done'), 'utf8')) as Record<string, unknown>;
    expect(signal).toMatchObject({ session: 'ccl-auto-11', sessionId: id, transcriptPath: transcript, pane: env.TMUX_PANE });
    expect(Date.parse(String(signal.at))).not.toBeNaN();
  });

  it('always exits 0 and records nothing for other sessions, unknown panes, no tmux, a broken config', async () => {
    const rig = await makeRig();
    const other = await paneOf(rig, 'ccl-0');
    const cases: Array<[string, NodeJS.ProcessEnv, string[]]> = [
      ['other session', other, []],
      ['unknown pane', { ...other, TMUX_PANE: '%999' }, []],
      ['not in tmux', {}, []],
      ['broken config', other, ['--config', join(rig.home, 'missing.yaml')]],
    ];
    for (const [label, env, extra] of cases) {
      const run = await claudeFailover(['hook', 'stop', '--config', rig.configPath, ...extra], { env: { ...rig.env, ...env }, input: 'not json at all' });
      expect(run.exitCode, label).toBe(0);
    }
    await expect(stat(join(rig.home, 'state', 'signals'))).rejects.toThrow(/ENOENT/);
  });

  it('never waits on a stdin that stays open', async () => {
    const rig = await makeRig();
    const input = new PassThrough();
    input.write('{"session_id": "partial');
    const result = await hookStop({ config: rig.configPath, input }, { ...rig.ctx, env: {} });
    expect(result).toMatchObject({ written: false, reason: 'stdin is not JSON' });
  });

  it('end to end: Claude Code\'s Stop hook signals the session and reconcile finishes on that evidence', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    const hook = `node ${CLAUDE_FAILOVER_BIN} hook stop --config ${rig.configPath}`;
    await mkdir(join(rig.home, '.claude-main'), { recursive: true });
    await writeFile(join(rig.home, '.claude-main', 'settings.json'), JSON.stringify({ hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command: hook }] }] } }));
    await cli(rig, ['reconcile']);
    await addTask(rig.project, 'a.md', 'hook me\n');
    expect((await cli(rig, ['dispatch'])).exitCode).toBe(0);
    await waitFor('the signal file', async () => stat(join(rig.home, 'state', 'signals', 'ccl-auto-11.done')).catch(() => undefined));
    const reconciled = JSON.parse((await cli(rig, ['reconcile', '--json'])).stdout) as { finished: Array<{ evidence: string }> };
    expect(reconciled.finished).toEqual([expect.objectContaining({ evidence: 'signal' })]);
    await expect(stat(join(rig.home, 'state', 'signals', 'ccl-auto-11.done'))).rejects.toThrow(/ENOENT/);
  });
});
