import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { POOL } from '../support/accounts.js';
import { readPane } from '../../src/claude-code/core/screen.js';
import { startFleet, stopFleet, type RealFleet } from './harness/fleet.js';
import { expectDedicatedResumed, expectSwapFor, hitLimit, resetIn } from './harness/limits.js';
import { expectOtherUntouched } from './harness/scenario.js';

/**
 * The weekly limit on real Claude Code releases: claim seven_day, a reset two days ahead, and on releases that draw
 * it the blocking "What do you want to do?" menu over the input box. check-quota must confirm it with that reset
 * (menu or not) and swap; the menu must not be left blocking anything.
 */
const MENU = /What do you want to do\?/;

describe.each(inject('claudeCodeReleases'))('Claude Code $version: weekly limit', (release) => {
  let fleet: RealFleet;
  const resetsAt = resetIn(50);
  beforeAll(async () => {
    fleet = await startFleet(release);
  });
  afterAll(async () => {
    if (fleet) await stopFleet(fleet);
  });

  it('a weekly limit (with its menu where the release draws one) is confirmed with its reset, and the fleet swaps to backup', async () => {
    const task = await hitLimit(fleet, { kind: 'weekly-limit', resetsAt }, 'week.md');
    // A release that draws the menu does so right after the limit line.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pane = await fleet.tmux.capture(POOL);
    const menuShown = MENU.test(pane);
    expect(readPane(pane).menu).toBe(menuShown);
    const quota = await expectSwapFor(fleet, task, resetsAt, 'backup');
    expect(quota.sessions.find((v) => v.session === POOL)?.menu).toBe(menuShown);
    // Nothing of the menu is left: the pool session is a fresh shell again.
    expect(MENU.test(await fleet.tmux.capture(POOL))).toBe(false);
  });

  it('the dedicated conversation continues under backup', async () => {
    await expectDedicatedResumed(fleet, 'backup');
  });

  it('ccl-0, outside the configuration, was never touched', async () => {
    await expectOtherUntouched(fleet);
  });
});
