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

async function measure(tasks: number, projects: number) {
  const { home, config, projectDirs } = await benchHome(projects);
  await writeTasks(projectDirs, tasks);
  const env = { HOME: home, CLAUDE_FAILOVER_CONFIG: config };
  const floors: number[] = [];
  const runs: Array<{ ms: number; peakMb: number }> = [];
  for (let i = 0; i < 3; i++) {
    floors.push((await timeProcess('node', ['-e', PLAIN_READ, JSON.stringify(projectDirs)])).ms);
    const run = await timeProcess(BIN, ['scan-inbox', '--json'], env);
    if (run.exitCode !== 0) throw new Error(`scan-inbox failed with ${run.exitCode}`);
    const pending = (JSON.parse(run.stdout) as { pending: unknown[] }).pending.length;
    if (pending !== tasks) throw new Error(`scan-inbox saw ${pending} of ${tasks} tasks`);
    runs.push(run);
  }
  return { ms: median(runs.map((r) => r.ms)), floor: median(floors), peakMb: Math.max(...runs.map((r) => r.peakMb)) };
}

/** scan-inbox over 10,000 tasks in 50 projects vs a plain read loop (goal 2x), and its growth from 2,000 tasks. */
export async function benchScanInbox(): Promise<Figure[]> {
  const small = await measure(2_000, 50);
  const large = await measure(10_000, 50);
  const perTaskSmall = small.ms / 2_000;
  const perTaskLarge = large.ms / 10_000;
  return [
    { name: 'scan-inbox: 10,000 tasks / 50 projects', detail: 'median of 3 full runs (parse + route + report) vs a plain Node loop reading the same files', value: large.ms, unit: 'ms', floor: large.floor, goal: { maxRatio: 2 } },
    { name: 'scan-inbox: cost per task, 10,000 vs 2,000', detail: `${perTaskLarge.toFixed(3)} ms/task at 10k vs ${perTaskSmall.toFixed(3)} ms/task at 2k (linear ⇒ ratio ≈ 1 or below)`, value: perTaskLarge * 1000, unit: 'ms', floor: perTaskSmall * 1000, goal: { maxRatio: 1.3 } },
    { name: 'scan-inbox: peak memory at 10,000 tasks', detail: 'max RSS of the runs', value: large.peakMb, unit: 'MB', goal: { max: 100 } },
  ];
}
