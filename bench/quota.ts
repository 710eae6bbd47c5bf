import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTmux, type Tmux } from '../src/adapters/tmux.js';
import { readPane } from '../src/core/pane.js';
import { BIN, benchHome } from './fixtures.js';
import { median, timeProcess, type Figure } from './support.js';

/**
 * DESIGN §12 for check-quota, on a private tmux server with the fake `claude`: `check-quota --no-swap` over 20
 * sessions that all show a usage limit vs over 1 (tmux is asked in one batch, transcripts are read by their tail:
 * goal ≤ 1.5x), and its peak memory (goal < 100 MB).
 */
const FAKE_CLAUDE = new URL('../../fakes/claude', import.meta.url).pathname;
const RUNS = 5;

interface Fleet {
  home: string;
  env: NodeJS.ProcessEnv;
  socket: string;
  tmux: Tmux;
}

async function cli(fleet: Fleet, args: string[]) {
  const run = await timeProcess(BIN, [...args], fleet.env);
  if (run.exitCode !== 0) throw new Error(`${args.join(' ')} failed with ${run.exitCode}`);
  return run;
}

/** `size` pool sessions whose Claude Code each ended its turn in the 5-hour limit (untimed set-up). */
async function limitedFleet(size: number): Promise<Fleet> {
  const socket = `cf-bench-${process.pid}-${randomBytes(4).toString('hex')}`;
  const { home, config, projectDirs } = await benchHome(1, {
    pool: { autonomous: { prefix: 'ccl-auto-', start_index: 11, min: size, max: size } },
    dispatch: { claude_command: FAKE_CLAUDE, prompt_timeout: '30s' },
    tmux: { socket },
  });
  const env = { HOME: home, CLAUDE_FAILOVER_CONFIG: config, IS_SANDBOX: '1', FAKE_CLAUDE_TURN_MS: '50' };
  const fleet = { home, env, socket, tmux: createTmux({ socket, env }) };
  const resetsAt = Math.floor(Date.now() / 1000) + 2 * 3600;
  // Every turn under the (only) account ends in the 5-hour limit.
  await mkdir(join(home, '.claude-main'), { recursive: true });
  await writeFile(join(home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ limitNextTurn: true, resetsAt }));
  await cli(fleet, ['reconcile']);
  for (let i = 0; i < size; i++) {
    await writeFile(join(projectDirs[0] as string, '.agent-queue', 'inbox', `task-${i}.md`), `Bench task ${i}: summarise the README.\n`);
  }
  const launched = (JSON.parse((await cli(fleet, ['dispatch', '--json'])).stdout) as { launched: unknown[] }).launched.length;
  if (launched !== size) throw new Error(`dispatch launched ${launched} of ${size}`);
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

async function teardown(fleet: Fleet): Promise<void> {
  await fleet.tmux.killServer().catch(() => undefined);
  await rm(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, fleet.socket), { force: true });
  // The shells and fakes need a moment to go after their server; their files are in the temp HOME.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await rm(fleet.home, { recursive: true, force: true }).catch(() => undefined);
}

async function measure(fleet: Fleet, size: number): Promise<{ ms: number; peakMb: number }> {
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
