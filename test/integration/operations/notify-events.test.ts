import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotify } from '../../../src/base/notify.js';
import { run as dispatch } from '../../../src/sessions/dispatch.command.js';
import { run as reconcile } from '../../../src/sessions/reconcile.command.js';
import { claudeFailover } from '../../support/cli.js';
import { writeTestConfig } from '../../support/context.js';
import { addTask, makeRig, registryEntries, submissionCount, waitFor } from '../../support/sessions.js';
import { tempDir } from '../../support/temp.js';

async function events(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('notifications', () => {
  it('an invalid task is a task-failed event, with the reason and where it went', async () => {
    const home = await tempDir();
    const project = join(home, 'proj');
    const file = join(home, 'events.jsonl');
    await mkdir(join(project, '.agent-queue', 'inbox'), { recursive: true });
    await addTask(project, 'bad.md', '---\npriority: urgent\n---\n');
    const config = await writeTestConfig(home, { projects: [project], notify: { command: `cat >> '${file}'` } });
    const run = await claudeFailover(['scan-inbox', '--config', config], { env: { HOME: home } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(await events(file)).toEqual([
      expect.objectContaining({ event: 'task-failed', task: 'bad.md', project, movedTo: join(project, '.agent-queue', 'failed', 'bad.md'), message: expect.stringMatching(/priority/) }),
    ]);
  });

  it('a session that stalls is a session-stalled event, once', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 }, turnMs: 600_000, completion: { idle_timeout: '1m' } });
    const file = join(rig.home, 'events.jsonl');
    rig.ctx.notify = createNotify(`cat >> '${file}'`, rig.ctx.log);
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'slow.md', 'take your time\n');
    expect((await dispatch({ dryRun: false }, rig.ctx)).launched).toHaveLength(1);
    await waitFor('the submission', async () => (await submissionCount(rig.home, 'slow.md')) === 1);
    await waitFor('busy', async () => (await registryEntries(rig.home))[0]?.status === 'busy');
    await reconcile({ dryRun: false }, rig.ctx);

    const realNow = rig.ctx.clock.now;
    rig.ctx.clock = { ...rig.ctx.clock, now: () => new Date(realNow().getTime() + 61_000) };
    await reconcile({ dryRun: false }, rig.ctx);
    await reconcile({ dryRun: false }, rig.ctx);
    expect(await events(file)).toEqual([expect.objectContaining({ event: 'session-stalled', session: 'ccl-auto-11', task: 'slow.md' })]);
  });

  it('a login about to expire is an account-login-expiring event, raised once per expiry by check-quota', async () => {
    const home = await tempDir();
    const file = join(home, 'events.jsonl');
    const expires = Date.now() + 3_600_000;
    const credentials = (at: number) => JSON.stringify({ claudeAiOauth: { accessToken: 'sk-ant-oat01-notify-secret', expiresAt: at } });
    await mkdir(join(home, '.claude-main'), { recursive: true });
    await mkdir(join(home, '.claude-backup'), { recursive: true });
    await writeFile(join(home, '.claude-backup', '.credentials.json'), credentials(expires));
    const config = await writeTestConfig(home, { notify: { command: `cat >> '${file}'` }, tmux: { socket: `cf-none-${process.pid}-${Date.now()}` } });
    for (let i = 0; i < 2; i++) expect((await claudeFailover(['check-quota', '--config', config], { env: { HOME: home } })).exitCode).toBe(0);
    expect(await events(file)).toEqual([
      expect.objectContaining({ event: 'account-login-expiring', account: 'backup', expiresAt: new Date(expires).toISOString(), message: expect.stringMatching(/expires in 59m|expires in 1h/) }),
    ]);
    // Logged in again: a new expiry, announced again when its own time comes; dry runs announce nothing.
    await writeFile(join(home, '.claude-backup', '.credentials.json'), credentials(expires + 60_000));
    expect((await claudeFailover(['check-quota', '--dry-run', '--config', config], { env: { HOME: home } })).exitCode).toBe(0);
    expect(await events(file)).toHaveLength(1);
    expect((await claudeFailover(['check-quota', '--config', config], { env: { HOME: home } })).exitCode).toBe(0);
    expect((await events(file)).map((e) => e.expiresAt)).toEqual([new Date(expires).toISOString(), new Date(expires + 60_000).toISOString()]);
    expect(await readFile(file, 'utf8')).not.toContain('notify-secret');
  });
});
