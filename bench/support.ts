import { execa } from 'execa';
import { performance } from 'node:perf_hooks';

/** One figure of `npm run bench`: a measurement, its floor (what it is compared with) and the goal. */
export interface Figure {
  name: string;
  /** Human description of what was measured. */
  detail: string;
  value: number;
  unit: 'ms' | 'MB';
  /** The floor the value is compared with (same unit), when the goal is a ratio. */
  floor?: number;
  /** The goal: a maximum ratio to the floor, or an absolute maximum in `unit`. */
  goal: { maxRatio: number } | { max: number };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export interface ProcessRun {
  ms: number;
  /** Peak resident set size of the child, from GNU time's %M (kB → MB); NaN when unavailable. */
  peakMb: number;
  /** CPU time (user + system, GNU time) of the child and the children it waited for; NaN when unavailable. */
  cpuMs: number;
  exitCode: number;
  stdout: string;
}

/** Times one process end to end and reads its peak memory with /usr/bin/time when present. */
export async function timeProcess(command: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<ProcessRun> {
  const useTime = await hasGnuTime();
  const start = performance.now();
  const result = await execa(useTime ? '/usr/bin/time' : command, useTime ? ['-f', 'PEAK_KB=%M CPU_S=%U+%S', command, ...args] : args, {
    env: { ...process.env, ...env },
    reject: false,
    timeout: 300_000,
    ...(input === undefined ? {} : { input }),
  });
  const ms = performance.now() - start;
  const match = /PEAK_KB=(\d+) CPU_S=([\d.]+)\+([\d.]+)/.exec(String(result.stderr));
  return {
    ms,
    peakMb: match ? Number(match[1]) / 1024 : Number.NaN,
    cpuMs: match ? (Number(match[2]) + Number(match[3])) * 1000 : Number.NaN,
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
  };
}

let gnuTime: boolean | undefined;
async function hasGnuTime(): Promise<boolean> {
  if (gnuTime === undefined) {
    const probe = await execa('/usr/bin/time', ['-f', '%M', 'true'], { reject: false }).catch(() => null);
    gnuTime = probe !== null && probe.exitCode === 0;
  }
  return gnuTime;
}

/** Whether a figure meets its goal: a ratio to its floor, or an absolute maximum. */
export function met(figure: Figure): boolean {
  return 'maxRatio' in figure.goal ? figure.value / (figure.floor ?? Number.NaN) <= figure.goal.maxRatio : figure.value <= figure.goal.max;
}
