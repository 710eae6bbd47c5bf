import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as dispatch } from '../../../src/sessions/dispatch.command.js';
import { run as reconcile, type ReconcileResult } from '../../../src/sessions/reconcile.command.js';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { shellQuote } from '../../../src/claude-code/core/launch.js';
import { CLAUDE_FAILOVER_BIN } from '../../support/cli.js';
import { addTask, makeRig, queueFiles, registryEntries, waitFor, type Rig } from '../../support/sessions.js';

/**
 * A turn that ends in an API error that is no usage limit, on every release the fake plays, with real tmux: the
 * task is tried again with its attempt counted and lands in failed/ with the error after max_attempts — never in
 * done/, never blocked. Which evidence decides depends on what the release writes: the transcript (found through
 * the registry's tmux field), the pane (2.1.100 writes no registry), the StopFailure signal when its hook is on.
 */
const RELEASES = ['2.1.100', '2.1.200', '2.1.328', '2.1.332'] as const;
const POOL = 'ccl-auto-11';

async function failingRig(release: string): Promise<Rig> {
  const rig = await makeRig({ pool: { min: 1, max: 1 }, env: { FAKE_CLAUDE_RELEASE: release }, dispatch: { max_attempts: 2, session_cooldown: '1s' } });
  await writeFile(join(rig.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ mode: 'invalid-request', turnMs: 200 }));
  await reconcile({ dryRun: false }, rig.ctx);
  return rig;
}

/** The product's StopFailure hook in the account home's settings, as `hook install` writes it. */
async function withStopFailureHook(rig: Rig): Promise<void> {
  const command = `${shellQuote(process.execPath)} ${shellQuote(CLAUDE_FAILOVER_BIN)} hook stop-failure --config ${shellQuote(rig.configPath)}`;
  await writeFile(join(rig.home, '.claude-main', 'settings.json'), JSON.stringify({ hooks: { StopFailure: [{ matcher: '', hooks: [{ type: 'command', command }] }] } }));
}

/** Dispatches the pending task (once the session's cooldown allows) and waits for its turn to end in the 400. */
async function runFailingTurn(rig: Rig): Promise<void> {
  await waitFor('the task launched', async () => (await dispatch({ dryRun: false }, rig.ctx)).launched.length === 1, 20_000, 300);
  await waitFor('the 400 on screen', async () => {
    const pane = await rig.tmux.capture(POOL);
    const reading = readPane(pane);
    return pane.includes('API Error: 400') && reading.claudeUi && !reading.busy;
  });
}

/** Runs reconcile as its timer would until the session no longer holds the task (bounded). */
async function reconcileUntilReleased(rig: Rig): Promise<ReconcileResult> {
  return waitFor('reconcile to give the task back', async () => {
    const result = await reconcile({ dryRun: false }, rig.ctx);
    expect(result.finished, 'a failed turn never finishes').toEqual([]);
    return result.requeued.length > 0 ? result : undefined;
  }, 20_000, 500);
}

describe.each(RELEASES)('Claude Code %s (fake): a turn that ends in a 400', (release) => {
  it('is tried again with its attempt counted, then lands in failed/ with the error after max_attempts, never in done/', async () => {
    const rig = await failingRig(release);
    await addTask(rig.project, 'a.md', 'do a.md\n');
    await runFailingTurn(rig);
    const first = await reconcileUntilReleased(rig);
    expect(first.requeued).toEqual([expect.objectContaining({ task: 'a.md', attempts: 1, failedTo: null, reason: expect.stringContaining('API Error: 400') })]);
    // The conversation id is the tool's own (--session-id), so its transcript decides on every release.
    expect(first.requeued[0]?.reason).toContain('(transcript)');
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md'], done: [], failed: [] });
    const state = await rig.ctx.state.load();
    // The session rests: lastFail starts its cooldown; the attempt is counted on the pending task.
    expect(state.sessions[POOL]).toMatchObject({ state: 'idle', task: null, lastFail: expect.any(String) });
    expect(Object.values(state.taskAttempts)).toEqual([expect.objectContaining({ count: 1, lastError: expect.stringContaining('API Error: 400') })]);

    await runFailingTurn(rig);
    const second = await reconcileUntilReleased(rig);
    expect(second.requeued).toEqual([expect.objectContaining({ task: 'a.md', attempts: 2, failedTo: expect.stringContaining('failed') })]);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: [], done: [], failed: ['a.md'] });
    const footer = await readFile(join(rig.project, '.agent-queue', 'failed', 'a.md'), 'utf8');
    expect(footer).toContain('API Error: 400');
    expect(footer).toContain('attempt 2 of 2');
  });
});

describe('with the StopFailure hook installed', () => {
  it.each(['2.1.100', '2.1.328'])('%s: the signal decides, and the task is given back as well', async (release) => {
    const rig = await failingRig(release);
    await withStopFailureHook(rig);
    await addTask(rig.project, 'a.md', 'do a.md\n');
    await runFailingTurn(rig);
    await waitFor('the failed-turn signal', async () => readFile(join(rig.ctx.paths.signalsDir, `${POOL}.failed`), 'utf8').catch(() => null));
    const result = await reconcileUntilReleased(rig);
    expect(result.requeued).toEqual([expect.objectContaining({ task: 'a.md', attempts: 1, reason: expect.stringContaining('(signal)') })]);
    // The signal is spent with the turn: the next turn is judged on its own.
    await expect(readFile(join(rig.ctx.paths.signalsDir, `${POOL}.failed`), 'utf8')).rejects.toThrow();
  });
});

describe('a failed turn whose record reaches the transcript after the registry went idle', () => {
  // Releases whose registry carries a status: the registry alone must never file a task whose end is not recorded.
  it.each(['2.1.200', '2.1.328', '2.1.332'])('%s: reconcile waits for the record, then gives the task back, never done/', async (release) => {
    const rig = await failingRig(release);
    await writeFile(join(rig.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ mode: 'invalid-request', turnMs: 200, recordLagMs: 4000 }));
    await addTask(rig.project, 'a.md', 'do a.md\n');
    await waitFor('the task launched', async () => (await dispatch({ dryRun: false }, rig.ctx)).launched.length === 1, 20_000, 300);
    await waitFor('the registry idle', async () => (await registryEntries(rig.home)).some((e) => e.status === 'idle'), 10_000, 50);
    // Right away, inside the moment the pane is not yet trusted: the registry says the turn ended, the transcript
    // does not yet say how.
    const early = await reconcile({ dryRun: false }, rig.ctx);
    expect(early.finished, JSON.stringify(early)).toEqual([]);
    expect(early.requeued).toEqual([]);
    expect(await queueFiles(rig.project)).toMatchObject({ done: [], failed: [] });
    const result = await reconcileUntilReleased(rig);
    expect(result.requeued).toEqual([expect.objectContaining({ task: 'a.md', attempts: 1, reason: expect.stringContaining('API Error: 400') })]);
    expect(await queueFiles(rig.project)).toMatchObject({ inbox: ['a.md'], done: [], failed: [] });
  });
});
