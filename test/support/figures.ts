import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

/**
 * The reliability figures the suite prints at its end: how many failpoints, random kills, concurrent runs
 * and hostile inputs were tried, and how many tasks were lost or duplicated in them. Test files run in separate
 * processes, so each outcome is appended as one JSON line to a file the figures reporter reads after the run.
 */
export const FIGURES_FILE = join(REPO_ROOT, '.vitest-tmp', 'reliability.jsonl');

export const FIGURE_NAMES = ['failpoints exercised', 'random kills survived', 'concurrent runs', 'hostile inputs tried', 'swap faults and races', 'state and pool faults'] as const;
export type FigureName = (typeof FIGURE_NAMES)[number];

export interface FigureLine {
  figure: FigureName;
  /** How many of the thing one outcome stands for (one failpoint run, 20 concurrent invocations...). */
  count: number;
  lost: number;
  duplicated: number;
}

export function recordFigure(figure: FigureName, outcome: { count?: number; lost: number; duplicated: number }): void {
  mkdirSync(join(REPO_ROOT, '.vitest-tmp'), { recursive: true });
  const line: FigureLine = { figure, count: outcome.count ?? 1, lost: outcome.lost, duplicated: outcome.duplicated };
  // One short write with O_APPEND: lines from parallel test processes never interleave.
  appendFileSync(FIGURES_FILE, JSON.stringify(line) + '\n');
}
