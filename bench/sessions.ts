import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { cli, dispatchAll, pool, teardown, type Pool } from './pool.js';
import { median, timeProcess, type Figure, type ProcessRun } from './support.js';

/**
 * The figures of the sessions area, on a private tmux server with the fake `claude`:
 * - dispatch of 10 tasks into 10 free sessions vs 1 into 1 (launches run in parallel: goal ≤ 1.5x);
 * - a reconcile pass over 20 working sessions vs over 1 (tmux is asked in batches: goal ≤ 1.5x), and the batched
 *   capture itself (20 panes in one tmux call) vs capturing 1 pane;
 * - peak memory of the processes.
 */
const RUNS = 3;

/** Sessions created and one task dispatched into each (untimed), with long turns: nothing finishes while measured. */
async function busyPool(size: number): Promise<Pool> {
  const p = await pool(size, { turnMs: 600_000 });
  await dispatchAll(p);
  return p;
}

async function dispatchOnce(size: number) {
  const p = await pool(size, { turnMs: 600_000 });
  try {
    return await dispatchAll(p);
  } finally {
    await teardown(p);
  }
}

export async function benchDispatch(): Promise<Figure[]> {
  const one: ProcessRun[] = [];
  const ten: ProcessRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    one.push(await dispatchOnce(1));
    ten.push(await dispatchOnce(10));
  }
  return [
    {
      name: 'dispatch: 10 tasks into 10 free sessions vs 1 into 1',
      detail:
        `median of ${RUNS} dispatch processes each (launch, prompt wait, paste, 0.5 s settle, Enter, submit check); ` +
        `CPU of dispatch and its tmux calls ${median(ten.map((r) => r.cpuMs)).toFixed(0)} ms vs ${median(one.map((r) => r.cpuMs)).toFixed(0)} ms, ` +
        `the rest of the difference is ${cpus().length} cores starting the ten fake Claude Codes`,
      value: median(ten.map((r) => r.ms)),
      unit: 'ms',
      floor: median(one.map((r) => r.ms)),
      goal: { maxRatio: 1.5 },
    },
    { name: 'dispatch: peak memory (10 sessions)', detail: 'max RSS of the dispatch processes', value: Math.max(...ten.map((r) => r.peakMb)), unit: 'MB', goal: { max: 100 } },
  ];
}

const TMUX_MODULE = new URL('../src/sessions/tmux.js', import.meta.url).href;
const CAPTURE_SCRIPT = `
const [moduleUrl, socket, ...names] = process.argv.slice(1);
const { createTmux } = await import(moduleUrl);
const panes = await createTmux({ socket, env: {} }).captureMany(names);
process.stdout.write(String([...panes.values()].filter((text) => typeof text === 'string').length));`;

async function timeInProcess(work: () => Promise<unknown>): Promise<number> {
  const times = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return median(times);
}

export async function benchCapture(): Promise<Figure[]> {
  const small = await busyPool(1);
  const large = await busyPool(20);
  try {
    const reconcile = async (p: Pool) => {
      const runs = [];
      for (let i = 0; i < RUNS + 2; i++) runs.push(await cli(p, ['reconcile', '--json']));
      return { ms: median(runs.map((r) => r.ms)), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
    };
    const r1 = await reconcile(small);
    const r20 = await reconcile(large);

    const names = Array.from({ length: 20 }, (_, i) => `ccl-auto-${11 + i}`);
    // The capture as check-quota will use it: a process that reads N panes with one batched call.
    const script = async (sessions: string[]) => {
      const runs = [];
      for (let i = 0; i < RUNS + 2; i++) runs.push(await timeProcess('node', ['--input-type=module', '-e', CAPTURE_SCRIPT, TMUX_MODULE, large.socket, ...sessions]));
      if (runs.some((r) => r.exitCode !== 0 || Number(r.stdout) !== sessions.length)) throw new Error('the capture script failed');
      return { ms: median(runs.map((r) => r.ms)), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
    };
    const s1 = await script(names.slice(0, 1));
    const s20 = await script(names);
    // What batching saves: 20 panes in one tmux invocation vs one invocation per pane, in-process.
    const batched = await timeInProcess(() => large.tmux.captureMany(names));
    const oneByOne = await timeInProcess(async () => { for (const name of names) await large.tmux.capture(name); });
    return [
      { name: 'reconcile: 20 working sessions vs 1', detail: `median of ${RUNS + 2} reconcile passes (one batched capture, registry, transcript tails)`, value: r20.ms, unit: 'ms', floor: r1.ms, goal: { maxRatio: 1.5 } },
      { name: 'capture: a process reading 20 panes vs 1 pane', detail: `median of ${RUNS + 2} node processes calling captureMany once (one tmux invocation)`, value: s20.ms, unit: 'ms', floor: s1.ms, goal: { maxRatio: 1.5 } },
      { name: 'capture: 20 panes batched vs one tmux call per pane', detail: 'median of 15 in-process rounds; the batch should cost well under half', value: batched, unit: 'ms', floor: oneByOne, goal: { maxRatio: 0.5 } },
      { name: 'reconcile / capture: peak memory (20 sessions)', detail: 'max RSS of the reconcile and capture processes', value: Math.max(r20.peakMb, s20.peakMb), unit: 'MB', goal: { max: 100 } },
    ];
  } finally {
    await teardown(small);
    await teardown(large);
  }
}
