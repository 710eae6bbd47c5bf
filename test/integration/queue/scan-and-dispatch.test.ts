import { describe, expect, it } from 'vitest';
import { run as dispatch } from '../../../src/sessions/dispatch.command.js';
import { run as queuePass } from '../../../src/queue/scan-and-dispatch.command.js';
import { run as reconcile } from '../../../src/sessions/reconcile.command.js';
import { run as scanInbox } from '../../../src/queue/scan-inbox.command.js';
import { claudeFailover } from '../../support/cli.js';
import { addTask, makeRig, queueFiles, submissionCount, waitFor } from '../../support/sessions.js';

describe('dispatch --scan (what the inbox path units run)', () => {
  it('scans, quarantines and dispatches in one run', async () => {
    const rig = await makeRig({ pool: { min: 1, max: 1 } });
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'good.md', 'Do the thing.\n');
    await addTask(rig.project, 'bad.md', '---\npriority: urgent\n---\n');
    const run = await claudeFailover(['dispatch', '--scan', '--json', '--config', rig.configPath], { env: rig.env });
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.passes).toHaveLength(1);
    expect(result.passes[0].scan.quarantined).toEqual([expect.objectContaining({ task: 'bad.md' })]);
    expect(result.passes[0].dispatch.launched).toEqual([expect.objectContaining({ task: 'good.md', session: 'ccl-auto-11' })]);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['good.md.dispatched'], failed: ['bad.md'] });
    await waitFor('the submission', async () => (await submissionCount(rig.home, 'good.md')) === 1);
  });

  it('a task that arrives during a pass is picked up by another pass, not left for the timer', async () => {
    const rig = await makeRig({ pool: { min: 2, max: 2 } });
    await reconcile({ dryRun: false }, rig.ctx);
    await addTask(rig.project, 'first.md', 'First.\n');
    let dropped = false;
    const result = await queuePass({ dryRun: false }, rig.ctx, {
      scan: scanInbox,
      dispatch: async (options, ctx) => {
        const outcome = await dispatch(options, ctx);
        if (!dropped) {
          // The operator drops a second task while the first pass is dispatching.
          dropped = true;
          await addTask(rig.project, 'second.md', 'Second.\n');
        }
        return outcome;
      },
    });
    expect(result.passes.map((p) => p.dispatch.launched.map((l) => l.task))).toEqual([['first.md'], ['second.md']]);
    expect(result.stoppedAtLimit).toBe(false);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['first.md.dispatched', 'second.md.dispatched'] });
  });

  it('refuses --scan with --dry-run as a usage error', async () => {
    const rig = await makeRig();
    const run = await claudeFailover(['dispatch', '--scan', '--dry-run', '--config', rig.configPath], { env: rig.env });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/cannot be used with option '--dry-run'/);
  });
});
