import { readPane } from '../src/claude-code/core/screen.js';
import { cli, dispatchAll, pool, teardown, type Pool } from './pool.js';
import { median, type Figure } from './support.js';

/**
 * The check-quota figure, on a private tmux server with the fake `claude`: `check-quota --no-swap` over 20
 * sessions that all show a usage limit vs over 1 (tmux is asked in one batch, transcripts are read by their tail:
 * goal ≤ 1.5x), and its peak memory (goal < 100 MB).
 */
const RUNS = 5;

/** `size` pool sessions whose Claude Code each ended its turn in the 5-hour limit (untimed set-up). */
async function limitedFleet(size: number): Promise<Pool> {
  const fleet = await pool(size, { turnMs: 50, limited: true });
  await dispatchAll(fleet);
  const names = Array.from({ length: size }, (_, i) => `ccl-auto-${11 + i}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const panes = await fleet.tmux.captureMany(names);
    if ([...panes.values()].every((text) => typeof text === 'string' && readPane(text).limitBanner)) break;
    if (Date.now() > deadline) throw new Error('the fleet never showed its usage limits');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return fleet;
}

async function measure(fleet: Pool, size: number): Promise<{ ms: number; peakMb: number }> {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await cli(fleet, ['check-quota', '--no-swap', '--json']);
    const result = JSON.parse(run.stdout) as { sessions: Array<{ kind: string }>; action: string };
    if (result.sessions.length !== size || result.sessions.some((s) => s.kind !== 'limit')) throw new Error('check-quota did not see every limit');
    runs.push(run);
  }
  return { ms: median(runs.map((r) => r.ms)), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
}

export async function benchQuota(): Promise<Figure[]> {
  const one = await limitedFleet(1);
  const twenty = await limitedFleet(20);
  try {
    const small = await measure(one, 1);
    const large = await measure(twenty, 20);
    return [
      {
        name: 'check-quota --no-swap: 20 limited sessions vs 1',
        detail: `median of ${RUNS} processes each (one batched capture, registry, newest transcript turn per session, decision, state write)`,
        value: large.ms,
        unit: 'ms',
        floor: small.ms,
        goal: { maxRatio: 1.5 },
      },
      { name: 'check-quota: peak memory (20 sessions)', detail: 'max RSS of the check-quota processes', value: large.peakMb, unit: 'MB', goal: { max: 100 } },
    ];
  } finally {
    await teardown(one);
    await teardown(twenty);
  }
}
