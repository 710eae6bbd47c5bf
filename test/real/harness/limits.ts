import { expect } from 'vitest';
import { DEDICATED, POOL, linkTarget } from '../../support/accounts.js';
import { queueFiles } from '../../support/sessions.js';
import { claudeCodeIn, waitForPrompt, type RealFleet } from './fleet.js';
import { readlink } from 'node:fs/promises';
import { descendants, flagValue, processInfo, type ProcessInfo } from './processes.js';
import { cliJson, diagnostics, dispatchNew, turnsOf, waitShowing } from './scenario.js';
import type { StandInMode } from './anthropic-stand-in.js';

/** The steps of the usage-limit scenarios: a limit on main, check-quota, the swap, and the conversations after it. */

export { resetIn } from './anthropic-stand-in.js';

/** Claude Code's limit lines, as every release tested words them (`5-hour`, `session`, `weekly`). */
const LIMIT_LINE = /You've hit your (?:5-hour|session|weekly) limit/;

export interface LimitedTask {
  name: string;
  /** The conversation the task ran in (the session id its turn came with). */
  conversation: string;
}

/** Puts main under `mode`, dispatches a task into the pool, waits until the release shows the limit. */
export async function hitLimit(fleet: RealFleet, mode: Extract<StandInMode, { kind: 'five-hour-limit' | 'weekly-limit' }>, name: string): Promise<LimitedTask> {
  fleet.standIn.setMode(mode, 'main');
  await dispatchNew(fleet, name, 'Summarise the open issues.');
  const turn = await waitShowing(fleet, `the ${mode.kind} answer to ${name}`, async () => turnsOf(fleet, name, 'main').find((t) => t.status === 429), [POOL]);
  await waitShowing(fleet, 'the limit on screen', async () => LIMIT_LINE.test(await fleet.tmux.capture(POOL)), [POOL]);
  if (turn.sessionId === null) throw new Error(`Claude Code ${fleet.release.version} sent no session id`);
  return { name, conversation: turn.sessionId };
}

export interface CheckQuotaJson {
  account: string;
  action: string;
  exhaustedUntil: string | null;
  sessions: Array<{ session: string; kind: string; resetAt: string | null; menu: boolean; pattern: string | null; source: string | null }>;
  swap: { status: string; report?: { from: string; to: string; status: string } } | null;
}

/**
 * A timer's reconcile may run before check-quota does: the limited task did not run, so it must not be filed in
 * done/. Then check-quota must confirm the limit with the reset the API sent and swap main → `to`.
 */
export async function expectSwapFor(fleet: RealFleet, task: LimitedTask, resetsAt: number, to: string): Promise<CheckQuotaJson> {
  const reconcile = await cliJson(fleet, ['reconcile']);
  expect((await queueFiles(fleet.project)).done, `reconcile filed a task that never ran: ${JSON.stringify(reconcile)}\n${await diagnostics(fleet, [POOL])}`).not.toContain(task.name);

  const quota = await cliJson<CheckQuotaJson>(fleet, ['check-quota']);
  const context = `${JSON.stringify(quota, null, 1)}\n${await diagnostics(fleet, [POOL])}`;
  const until = new Date(resetsAt * 1000).toISOString();
  expect(quota.sessions.find((v) => v.session === POOL), context).toMatchObject({ kind: 'limit', resetAt: until });
  expect(quota, context).toMatchObject({ account: 'main', action: 'swap', exhaustedUntil: until, swap: { status: 'done', report: { from: 'main', to, status: 'swapped' } } });
  expect(await linkTarget(fleet)).toBe(fleet.accounts[to as 'backup'].home);
  return quota;
}

/**
 * The operator's conversation goes on under `to`: the relaunched process runs with that home and `--resume` of the
 * conversation, and a message typed into it reaches the API with `to`'s login, in the same conversation.
 */
export async function expectDedicatedResumed(fleet: RealFleet, to: 'backup'): Promise<void> {
  const home = fleet.accounts[to].home;
  expect(await linkTarget(fleet), `no swap to ${to} happened (see the step before)`).toBe(home);
  const relaunched = await claudeCodeIn(fleet, DEDICATED, (p) => p.env.CLAUDE_CONFIG_DIR === home, 20_000)
    .catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await diagnostics(fleet, [DEDICATED])}`);
    });
  await expectResumeFlag(fleet, DEDICATED, relaunched, fleet.dedicatedId);
  await waitForPrompt(fleet, DEDICATED);
  await fleet.tmux.sendText(DEDICATED, 'carry on with the review');
  await fleet.tmux.sendKeys(DEDICATED, 'Enter');
  const turn = await waitShowing(fleet, 'the dedicated conversation at the stand-in', async () => fleet.standIn.turns(to).find((t) => t.userText === 'carry on with the review'), [DEDICATED]);
  expect(turn.sessionId).toBe(fleet.dedicatedId);
  expect(turn.history).toContain('review the design');
}

/**
 * The pool's interrupted task goes on under `to`: dispatch gives it back to its session, which resumes the task's own
 * conversation with that home; the turn reaches the API with `to`'s login in that conversation.
 */
export async function expectPoolResumed(fleet: RealFleet, task: LimitedTask, to: 'backup'): Promise<void> {
  expect(await linkTarget(fleet), `no swap to ${to} happened (see the step before)`).toBe(fleet.accounts[to].home);
  expect((await queueFiles(fleet.project)).inbox).toContain(task.name);
  const run = await cliJson<{ launched: Array<{ task: string; resumed: boolean }> }>(fleet, ['dispatch']);
  expect(run.launched, JSON.stringify(run)).toEqual([expect.objectContaining({ session: POOL, task: task.name, resumed: true })]);
  const relaunched = await claudeCodeIn(fleet, POOL, (p) => p.env.CLAUDE_CONFIG_DIR === fleet.accounts[to].home, 30_000)
    .catch(async (error: unknown) => {
      const panePid = Number(await fleet.tmux.displayMessage(`=${POOL}:`, '#{pane_pid}').catch(() => 'NaN'));
      const tree = await Promise.all((await descendants(panePid)).map(async (pid) => {
        const info = await processInfo(pid);
        return `${pid} (parent ${info?.ppid}) exe=${await readlink(`/proc/${pid}/exe`).catch(() => '?')} CLAUDE_CONFIG_DIR=${info?.env.CLAUDE_CONFIG_DIR} argv=${info?.argv.join(' ').slice(0, 160)}`;
      }));
      throw new Error(`${String(error)}\ndispatch: ${JSON.stringify(run)}\nprocesses in the pane (shell ${panePid}):\n${tree.join('\n')}\n${await diagnostics(fleet, [POOL])}`);
    });
  await expectResumeFlag(fleet, POOL, relaunched, task.conversation);
  const turn = await waitShowing(fleet, `${task.name} under ${to}`, async () => turnsOf(fleet, task.name, to).find((t) => t.status === 200), [POOL]);
  expect(turn.sessionId).toBe(task.conversation);
}

/**
 * The relaunched Claude Code was given `--resume <id>`: its command line says so, or — a release that renamed its
 * process, so /proc no longer has it — the command line typed into the pane, the last one there. Either way the turn
 * that follows must reach the API in that conversation, which the callers check next.
 */
async function expectResumeFlag(fleet: RealFleet, session: string, relaunched: ProcessInfo, id: string): Promise<void> {
  if (!relaunched.retitled) {
    expect(flagValue(relaunched.argv, '--resume'), relaunched.argv.join(' ')).toBe(id);
    return;
  }
  const typed = (await fleet.tmux.capture(session)).split('\n').filter((line) => line.includes('CLAUDE_CONFIG_DIR=')).at(-1) ?? '';
  expect(flagValue(typed.trim().split(/\s+/), '--resume'), typed).toBe(id);
}
