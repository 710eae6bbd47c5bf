import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { POOL, cli, linkTarget, readState } from '../support/accounts.js';
import { checkQuotaRuns, checkQuotaRunsEnded } from '../support/hooks.js';
import { queueFiles } from '../support/sessions.js';
import { startFleet, stopFleet, type RealFleet } from './harness/fleet.js';
import { expectDedicatedResumed, expectPoolResumed, resetIn, type LimitedTask } from './harness/limits.js';
import { cliJson, diagnostics, dispatchNew, reconcileUntilDone, turnsOf, waitShowing } from './harness/scenario.js';

/**
 * Instant failover on real Claude Code releases: the tool's hooks installed by `claude-failover hook install` into
 * every account home, a 5-hour limit from the stand-in, and nobody running check-quota: the release's StopFailure
 * hook starts it (detached, no systemd here) and the fleet swaps within seconds. The wait is bounded, not a measure
 * of speed; the latency seen is printed. A release whose captures show no StopFailure for a 429 is held to what it
 * does instead: nothing swaps until the timer's check-quota runs.
 */
const WAIT_MS = 60_000;

/** Whether the captures of a release show a StopFailure hook for the usage limit (releases without captures: yes). */
function firesStopFailureOnLimit(version: string): boolean {
  const file = new URL(`../fixtures/claude-code/${version}/five-hour-limit.hooks.json`, import.meta.url);
  if (!existsSync(file)) return true;
  const calls = JSON.parse(readFileSync(file, 'utf8')) as Array<{ hook_event_name?: string; error?: string }>;
  return calls.some((c) => c.hook_event_name === 'StopFailure' && c.error === 'rate_limit');
}

describe.each(inject('claudeCodeReleases'))('Claude Code $version: instant failover through the hooks', (release) => {
  let fleet: RealFleet;
  let task: LimitedTask;
  const resetsAt = resetIn(3);
  const hooked = firesStopFailureOnLimit(release.version);
  beforeAll(async () => {
    fleet = await startFleet(release);
  });
  afterAll(async () => {
    if (fleet) {
      // A detached check-quota must not outlive the fleet's files.
      await checkQuotaRunsEnded(fleet.configPath).catch(() => undefined);
      await stopFleet(fleet);
    }
  });

  it('hook install writes Stop and StopFailure into every account home', async () => {
    const installed = await cliJson<{ homes: Array<{ account: string; status: string }> }>(fleet, ['hook', 'install']);
    expect(installed.homes.map((h) => [h.account, h.status])).toEqual([['main', 'changed'], ['backup', 'changed'], ['spare', 'changed']]);
    for (const account of ['main', 'backup', 'spare'] as const) {
      const settings = JSON.parse(await readFile(join(fleet.accounts[account].home, 'settings.json'), 'utf8')) as { hooks: Record<string, unknown> };
      expect(Object.keys(settings.hooks)).toEqual(expect.arrayContaining(['Stop', 'StopFailure']));
    }
  });

  it(hooked
    ? 'a 5-hour limit on main swaps the fleet to backup within seconds, with no check-quota run by anyone but the hook'
    : 'this release fires no StopFailure for a 429: nothing swaps until the timer\'s check-quota runs, which swaps', async () => {
    // Not hitLimit: the swap may stop the pool session before anyone sees its limit line.
    fleet.standIn.setMode({ kind: 'five-hour-limit', resetsAt }, 'main');
    await dispatchNew(fleet, 'hooked.md', 'Summarise the open issues.');
    const limited = await waitShowing(fleet, 'the 429 answer to hooked.md', async () => turnsOf(fleet, 'hooked.md', 'main').find((t) => t.status === 429), [POOL]);
    if (limited.sessionId === null) throw new Error(`Claude Code ${release.version} sent no session id`);
    task = { name: 'hooked.md', conversation: limited.sessionId };
    const limitAt = limited.at;
    if (!hooked) {
      // The timer is the safety net: its run (here, the test's) finds the limit and swaps.
      expect(await checkQuotaRuns(fleet.configPath)).toEqual([]);
      expect(await linkTarget(fleet)).toBe(fleet.accounts.main.home);
      await cliJson(fleet, ['check-quota']);
    }
    await waitShowing(fleet, 'the swap to backup', async () => (await linkTarget(fleet)) === fleet.accounts.backup.home, [POOL], WAIT_MS);
    await checkQuotaRunsEnded(fleet.configPath);
    const state = await readState(fleet);
    expect(state.swaps, await diagnostics(fleet, [POOL])).toEqual([expect.objectContaining({ from: 'main', to: 'backup', by: 'check-quota' })]);
    expect(state.accounts.main?.exhaustedUntil).toBe(new Date(resetsAt * 1000).toISOString());
    const swappedAt = Date.parse((state.swaps[0] as { at: string }).at);
    console.log(`Claude Code ${release.version}: limit answered at ${new Date(limitAt).toISOString()}, swap recorded ${swappedAt - limitAt} ms later (${hooked ? 'StopFailure hook' : 'timer'})`);
    if (hooked) {
      const log = await readFile(join(fleet.home, 'state', 'check-quota-now.log'), 'utf8');
      expect(log).toMatch(/check-quota started by hook stop-failure \(ccl-auto-11: rate_limit\)/);
      expect(log).toMatch(/swapped main → backup/);
    }
    // The limited task did not run: it waits in the inbox for the pool to resume it.
    expect((await queueFiles(fleet.project)).inbox).toContain(task.name);
  });

  it('the dedicated conversation continues under backup', async () => {
    await expectDedicatedResumed(fleet, 'backup');
  });

  it('the pool conversation continues under backup and the task completes', async () => {
    await expectPoolResumed(fleet, task, 'backup');
    await reconcileUntilDone(fleet, task.name);
    // One swap, however many hooks fired.
    expect((await readState(fleet)).swaps).toHaveLength(1);
    expect((await cli(fleet, ['status', '--json'])).exitCode).toBe(0);
  });
});
