import { cpus, totalmem } from 'node:os';
import { table } from '../src/base/core/format.js';
import { met, type Figure } from './support.js';
import { benchStartup } from './startup.js';
import { benchScanInbox } from './scan-inbox.js';
import { removeBenchHomes } from './fixtures.js';

/**
 * `npm run bench`: each area contributes figures measured on generated data, whole processes run the way
 * systemd runs them, each next to its floor measured in the same run. One table at the end: figure, median, floor,
 * ratio, goal, met. Benchmarks report, they never fail the build: goals are read, not asserted.
 * `npm run bench -- scan-inbox dispatch` runs only the named suites.
 */
const suites: Array<[string, () => Promise<Figure[]>]> = [
  ['start-up', benchStartup],
  ['scan-inbox', benchScanInbox],
  ['reap-delegated', async () => (await import('./reap.js')).benchReap()],
  ['dispatch', async () => (await import('./sessions.js')).benchDispatch()],
  ['capture', async () => (await import('./sessions.js')).benchCapture()],
  ['check-quota', async () => (await import('./quota.js')).benchQuota()],
  ['failover', async () => (await import('./failover.js')).benchFailover()],
  ['swap', async () => (await import('./failover.js')).benchSwap()],
];

const only = process.argv.slice(2);
const unknown = only.filter((name) => !suites.some(([suite]) => suite === name));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${suites.map(([name]) => name).join(', ')}`);
  process.exit(2);
}

const figures: Figure[] = [];
try {
  for (const [name, suite] of suites) {
    if (only.length > 0 && !only.includes(name)) continue;
    process.stderr.write(`measuring ${name}...\n`);
    figures.push(...(await suite()));
  }
} finally {
  await removeBenchHomes();
}

const amount = (value: number, unit: string) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ${unit}`;
const rows = figures.map((figure, i) => {
  const ratio = figure.floor === undefined ? '' : `${(figure.value / figure.floor).toFixed(2)}x`;
  const goal = 'maxRatio' in figure.goal ? `≤ ${figure.goal.maxRatio}x` : `< ${figure.goal.max} ${figure.unit}`;
  return [String(i + 1), figure.name, amount(figure.value, figure.unit), figure.floor === undefined ? '' : amount(figure.floor, figure.unit), ratio, goal, met(figure) ? 'met' : 'MISSED'];
});
const misses = figures.filter((figure) => !met(figure)).length;
console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}\n`);
console.log(table(['#', 'FIGURE', 'MEDIAN', 'FLOOR', 'RATIO', 'GOAL', 'MET'], rows));
console.log('');
for (const [i, figure] of figures.entries()) console.log(`${String(i + 1).padStart(2)}. ${figure.detail}`);
console.log(`\n${misses === 0 ? 'every figure within its goal' : `${misses} figure(s) outside their goals`}`);
