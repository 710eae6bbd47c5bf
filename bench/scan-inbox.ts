import { timeProcess, median, type Figure } from './support.js';
import { BIN, benchHome, writeTasks } from './fixtures.js';

/** The floor: a plain Node loop that only lists and reads the same files, nothing else. */
const PLAIN_READ = `
const fs = require('node:fs'); const path = require('node:path');
let bytes = 0;
for (const dir of JSON.parse(process.argv[1])) {
  const inbox = path.join(dir, '.agent-queue', 'inbox');
  for (const name of fs.readdirSync(inbox)) bytes += fs.readFileSync(path.join(inbox, name)).length;
}
console.log(bytes);`;

const RUNS = 5;

async function measure(tasks: number, projects: number) {
  const { home, config, projectDirs } = await benchHome(projects);
  await writeTasks(projectDirs, tasks);
  const env = { HOME: home, CLAUDE_FAILOVER_CONFIG: config };
  const floors: number[] = [];
  const runs: Array<{ ms: number; peakMb: number }> = [];
  for (let i = 0; i < RUNS; i++) {
    floors.push((await timeProcess('node', ['-e', PLAIN_READ, JSON.stringify(projectDirs)])).ms);
    const run = await timeProcess(BIN, ['scan-inbox', '--json'], env);
    if (run.exitCode !== 0) throw new Error(`scan-inbox failed with ${run.exitCode}`);
    const pending = (JSON.parse(run.stdout) as { pending: unknown[] }).pending.length;
    if (pending !== tasks) throw new Error(`scan-inbox saw ${pending} of ${tasks} tasks`);
    runs.push(run);
  }
  return { ms: median(runs.map((r) => r.ms)), floor: median(floors), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
}

/**
 * scan-inbox over 10,000 tasks in 50 projects vs a plain read loop (goal 2x), and how its cost grows: with tasks
 * (2,000 → 10,000 in 50 projects) and with projects (the same 10,000 tasks spread over 200 projects).
 */
export async function benchScanInbox(): Promise<Figure[]> {
  const small = await measure(2_000, 50);
  const large = await measure(10_000, 50);
  const spread = await measure(10_000, 200);
  const perTaskSmall = small.ms / 2_000;
  const perTaskLarge = large.ms / 10_000;
  return [
    { name: 'scan-inbox: 10,000 tasks / 50 projects', detail: `median of ${RUNS} full runs (read + parse + route + JSON report) vs a plain Node loop that only reads the same files`, value: large.ms, unit: 'ms', floor: large.floor, goal: { maxRatio: 2 } },
    { name: 'scan-inbox: cost per task, 10,000 vs 2,000', detail: `${perTaskLarge.toFixed(3)} ms/task at 10k vs ${perTaskSmall.toFixed(3)} ms/task at 2k (${small.ms.toFixed(0)} ms; linear ⇒ ratio ≤ 1, start-up amortised)`, value: perTaskLarge, unit: 'ms', floor: perTaskSmall, goal: { maxRatio: 1.3 } },
    { name: 'scan-inbox: 10,000 tasks / 200 projects vs / 50', detail: `the same number of tasks spread over 4x the projects (floor ${spread.floor.toFixed(0)} ms): cost follows tasks, not projects`, value: spread.ms, unit: 'ms', floor: large.ms, goal: { maxRatio: 1.3 } },
    { name: 'scan-inbox: peak memory at 10,000 tasks', detail: 'max RSS of the 10,000-task runs', value: Math.max(large.peakMb, spread.peakMb), unit: 'MB', goal: { max: 100 } },
  ];
}
