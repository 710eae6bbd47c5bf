import { median, timeProcess, type Figure } from './support.js';
import { BIN, benchHome } from './fixtures.js';

const RUNS = 9;

async function medianRun(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; peakMb: number }> {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timeProcess(command, args, env));
  return { ms: median(runs.map((r) => r.ms)), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
}

/** Start-up: the CLI next to `node -e 0`, median of several runs each. */
export async function benchStartup(): Promise<Figure[]> {
  const { home, config } = await benchHome(1);
  const env = { HOME: home, CLAUDE_FAILOVER_CONFIG: config };
  const floor = (await medianRun('node', ['-e', '0'])).ms;
  const help = await medianRun(BIN, ['--help'], env);
  const scan = await medianRun(BIN, ['scan-inbox', '--json'], env);
  const status = await medianRun(BIN, ['status', '--json'], env);
  const metrics = await medianRun(BIN, ['metrics'], env);
  return [
    { name: 'start-up: --help', detail: `bin/claude-failover.js --help (run as installed, through its shebang), median of ${RUNS} vs node -e 0`, value: help.ms, unit: 'ms', floor, goal: { maxRatio: 2 } },
    { name: 'start-up: scan-inbox --json', detail: `empty inbox, median of ${RUNS} vs node -e 0`, value: scan.ms, unit: 'ms', floor, goal: { maxRatio: 2 } },
    { name: 'start-up: status --json', detail: `median of ${RUNS} vs node -e 0`, value: status.ms, unit: 'ms', floor, goal: { maxRatio: 2 } },
    { name: 'start-up: metrics', detail: `one scrape of an idle fleet (files only, no tmux), median of ${RUNS} vs node -e 0`, value: metrics.ms, unit: 'ms', floor, goal: { maxRatio: 2 } },
    { name: 'start-up: peak memory', detail: 'largest RSS of the runs above', value: Math.max(help.peakMb, scan.peakMb, status.peakMb, metrics.peakMb), unit: 'MB', goal: { max: 100 } },
  ];
}
