import { verdict, type Figure } from './support.js';
import { benchStartup } from './startup.js';
import { benchScanInbox } from './scan-inbox.js';

/**
 * `npm run bench` (DESIGN §12): each area contributes figures measured on generated data; every figure is printed
 * with its floor and goal. Benchmarks report, they do not fail the build: goals are checked by reading, not by CI.
 */
const suites: Array<[string, () => Promise<Figure[]>]> = [
  ['start-up', benchStartup],
  ['scan-inbox', benchScanInbox],
  ['reap-delegated', async () => (await import('./reap.js')).benchReap()],
  ['dispatch', async () => (await import('./sessions.js')).benchDispatch()],
  ['capture', async () => (await import('./sessions.js')).benchCapture()],
  ['check-quota', async () => (await import('./quota.js')).benchQuota()],
];

const only = process.argv.slice(2);
let misses = 0;
for (const [name, suite] of suites) {
  if (only.length > 0 && !only.includes(name)) continue;
  for (const figure of await suite()) {
    const { text, ok } = verdict(figure);
    if (!ok) misses++;
    const floor = figure.floor === undefined ? '' : ` (floor ${figure.floor.toFixed(1)} ${figure.unit})`;
    console.log(`${ok ? 'ok  ' : 'MISS'} ${figure.name}: ${figure.value.toFixed(1)} ${figure.unit}${floor} — ${text}\n       ${figure.detail}`);
  }
}
console.log(misses === 0 ? 'all figures within their goals' : `${misses} figure(s) outside their goals`);
