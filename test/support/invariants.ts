import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import type { FakeSecutools } from '../../src/fakes/secutools-server.js';
import { normalizeState, type State } from '../../src/base/core/state.js';
import { recordFigure, type FigureName } from './figures.js';
import { submissions } from './sessions.js';

/**
 * The promise of the product, as one check: after any crash and recovery every task is in exactly one
 * queue state, none is lost, none ran twice (locally or on the platform), `state.json` is valid, and the accounts are
 * either fully on one home with intact shared links or loudly flagged as partially swapped.
 */
export interface World {
  /** The temp HOME: the fake `claude` records every submitted message under its account homes. */
  home: string;
  /** The project folders whose queues hold the tasks. */
  projects: string[];
  /** Every task the test put in, as `<project>/<name>` pairs: each must be found exactly once. */
  tasks: Array<{ project: string; name: string }>;
  statePath: string;
  /** The fake platform, when delegation is on: jobs are counted per task. */
  server?: FakeSecutools;
  /** The account layout to check, when the test has one. */
  accounts?: { activeLink: string; homes: string[]; sharedRoot: string; entries: string[] };
  /**
   * Tasks that may run more than once because the rules say so: a session that died mid-task is re-queued and its
   * task runs again (at-least-once). Everything else runs at most once.
   */
  atLeastOnce?: ReadonlySet<string>;
}

export interface Audit {
  tasks: number;
  /** `<project>/<name>` of tasks found in no queue state. */
  lost: string[];
  /** Tasks found in two states at once, or run twice (two launches, two platform jobs, or both). */
  duplicated: string[];
  /** Everything else that is wrong, each as a sentence. */
  problems: string[];
  state: State | null;
}

const MARKERS = ['.delegating', '.delegated', '.local'] as const;

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

/** `T.md`, `T-1.md`, `T-2.md` (moves into done/ and failed/ never overwrite: a clash gets a suffix). */
function sameTask(file: string, task: string): boolean {
  if (file === task) return true;
  const stem = task.replace(/\.md$/, '');
  return new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+\\.md$`).test(file);
}

/** Where one task is: each entry is a queue state (`inbox/T.md` with or without markers = pending). */
async function locations(project: string, task: string): Promise<string[]> {
  const queue = join(project, '.agent-queue');
  const found: string[] = [];
  for (const name of await names(join(queue, 'inbox'))) {
    if (name === task) found.push('inbox');
    else if (name === `${task}.dispatched`) found.push('dispatched');
  }
  for (const dir of ['done', 'failed'] as const) {
    for (const name of await names(join(queue, dir))) if (sameTask(name, task)) found.push(dir);
  }
  return found;
}

async function stateProblems(statePath: string, projects: string[]): Promise<{ state: State | null; problems: string[] }> {
  let text: string;
  try {
    text = await readFile(statePath, 'utf8');
  } catch {
    return { state: null, problems: [] };
  }
  let parsed: ReturnType<typeof normalizeState>;
  try {
    parsed = normalizeState(JSON.parse(text));
  } catch (error) {
    return { state: null, problems: [`state.json does not parse: ${String(error)}`] };
  }
  if (!parsed.ok) return { state: null, problems: [`state.json is invalid: ${parsed.reason}`] };
  const problems: string[] = [];
  const claimed = new Set<string>();
  for (const [session, record] of Object.entries(parsed.state.sessions)) {
    if (!record.task) continue;
    claimed.add(record.task);
    const exists = await lstat(record.task).then(() => true, () => false);
    if (!exists) problems.push(`session ${session} holds ${record.task}, which does not exist`);
  }
  for (const project of projects) {
    for (const name of await names(join(project, '.agent-queue', 'inbox'))) {
      const path = join(project, '.agent-queue', 'inbox', name);
      if (name.endsWith('.md.dispatched') && !claimed.has(path)) problems.push(`${path} is claimed but no session holds it`);
    }
  }
  return { state: parsed.state, problems };
}

async function markerProblems(projects: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const project of projects) {
    const inbox = join(project, '.agent-queue', 'inbox');
    const present = new Set(await names(inbox));
    for (const name of present) {
      const marker = MARKERS.find((m) => name.endsWith(`.md${m}`));
      if (marker && !present.has(name.slice(0, -marker.length))) problems.push(`${join(inbox, name)} has no task beside it`);
    }
  }
  return problems;
}

async function accountProblems(accounts: NonNullable<World['accounts']>, state: State | null): Promise<string[]> {
  // A half-done swap is allowed only when it is loudly flagged: every other command refuses to swap.
  if (state?.partialSwap) return [];
  const problems: string[] = [];
  const active = await readlink(accounts.activeLink).catch(() => null);
  if (active === null || !accounts.homes.includes(active)) problems.push(`the active link points at ${active ?? 'nothing'}, not one account home`);
  for (const home of accounts.homes) {
    for (const entry of accounts.entries) {
      const target = await readlink(join(home, entry)).catch(() => null);
      if (target !== join(accounts.sharedRoot, entry)) problems.push(`${join(home, entry)} points at ${target ?? 'nothing'}, not the shared ${entry}`);
    }
  }
  return problems;
}

/** How many times each task ran: local launches (by the `[T.md]` tag the fake recorded) and platform jobs. */
async function runCounts(world: World): Promise<Map<string, number>> {
  const runs = new Map<string, number>();
  const bump = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);
  for (const submission of await submissions(world.home)) {
    const tag = /^\[([^\]]+)\]/.exec(submission.message)?.[1];
    if (tag) bump(tag);
  }
  for (const job of world.server?.allJobs() ?? []) {
    const task = (job.request.metadata as { task?: unknown } | undefined)?.task;
    if (typeof task === 'string') bump(basename(task));
  }
  return runs;
}

export async function audit(world: World): Promise<Audit> {
  const lost: string[] = [];
  const duplicated: string[] = [];
  const runs = await runCounts(world);
  for (const { project, name } of world.tasks) {
    const where = await locations(project, name);
    const id = join(project, name);
    if (where.length === 0) lost.push(id);
    else if (where.length > 1) duplicated.push(`${id} (in ${where.join(' and ')})`);
    const ran = runs.get(name) ?? 0;
    if (ran > 1 && !world.atLeastOnce?.has(name)) duplicated.push(`${id} (ran ${ran} times)`);
  }
  const { state, problems } = await stateProblems(world.statePath, world.projects);
  problems.push(...(await markerProblems(world.projects)));
  if (world.accounts) problems.push(...(await accountProblems(world.accounts, state)));
  return { tasks: world.tasks.length, lost, duplicated, problems, state };
}

/**
 * Audits, records the outcome under the figure (failures included, so the summary cannot hide them), asserts.
 * `count`: how many of the figure's things this one audit stands for (e.g. 20 concurrent invocations).
 */
export async function expectSound(world: World, figure?: FigureName, count = 1): Promise<Audit> {
  const result = await audit(world);
  if (figure) recordFigure(figure, { count, lost: result.lost.length, duplicated: result.duplicated.length });
  expect({ lost: result.lost, duplicated: result.duplicated, problems: result.problems }).toEqual({ lost: [], duplicated: [], problems: [] });
  return result;
}
