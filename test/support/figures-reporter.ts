import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Reporter } from 'vitest/node';
import { FIGURE_NAMES, FIGURES_FILE, type FigureLine } from './figures.js';

/**
 * Prints the reliability figures after the run (and keeps them in `.vitest-tmp/reliability.txt` for `.ci/run` to
 * repeat at its end). The recording file is emptied when a run starts, so figures never mix runs.
 */
const REPORT_FILE = join(dirname(FIGURES_FILE), 'reliability.txt');

export default class FiguresReporter implements Reporter {
  onInit(): void {
    rmSync(FIGURES_FILE, { force: true });
    rmSync(REPORT_FILE, { force: true });
  }

  onTestRunEnd(): void {
    let lines: FigureLine[] = [];
    try {
      lines = readFileSync(FIGURES_FILE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as FigureLine);
    } catch {
      return; // a run of other test files only: nothing to report
    }
    const rows = FIGURE_NAMES.map((figure) => {
      const mine = lines.filter((l) => l.figure === figure);
      const sum = (key: 'count' | 'lost' | 'duplicated') => mine.reduce((n, l) => n + l[key], 0);
      return `  ${figure.padEnd(22)} ${String(sum('count')).padStart(5)}   tasks lost ${sum('lost')}, duplicated ${sum('duplicated')}`;
    });
    const text = ['reliability figures', ...rows].join('\n') + '\n';
    writeFileSync(REPORT_FILE, text);
    process.stdout.write('\n' + text);
  }
}
