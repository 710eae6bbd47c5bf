import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { startFleet, stopFleet, type RealFleet } from './harness/fleet.js';
import { expectDedicatedResumed, expectPoolResumed, expectSwapFor, hitLimit, resetIn, type LimitedTask } from './harness/limits.js';
import { expectOtherUntouched, reconcileUntilDone } from './harness/scenario.js';

/**
 * The 5-hour limit on real Claude Code releases: the API refuses main's turns (429, unified rate-limit headers,
 * claim five_hour); check-quota must confirm it with the reset the API sent and swap to backup, and both the pool's
 * and the operator's conversations must go on under backup. The steps build on each other, in order.
 */
describe.each(inject('claudeCodeReleases'))('Claude Code $version: 5-hour limit', (release) => {
  let fleet: RealFleet;
  let task: LimitedTask;
  const resetsAt = resetIn(3);
  beforeAll(async () => {
    fleet = await startFleet(release);
  });
  afterAll(async () => {
    if (fleet) await stopFleet(fleet);
  });

  it('a 5-hour limit on main is confirmed by check-quota with the reset the API sent, and the fleet swaps to backup', async () => {
    task = await hitLimit(fleet, { kind: 'five-hour-limit', resetsAt }, 'work.md');
    await expectSwapFor(fleet, task, resetsAt, 'backup');
  });

  it('the dedicated conversation continues under backup (CLAUDE_CONFIG_DIR=backup, --resume its id)', async () => {
    await expectDedicatedResumed(fleet, 'backup');
  });

  it('the pool conversation continues under backup (CLAUDE_CONFIG_DIR=backup, --resume its id) and the task completes', async () => {
    await expectPoolResumed(fleet, task, 'backup');
    await reconcileUntilDone(fleet, task.name);
  });

  it('ccl-0, outside the configuration, was never touched', async () => {
    await expectOtherUntouched(fleet);
  });
});
