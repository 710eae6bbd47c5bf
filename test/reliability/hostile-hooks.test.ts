import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeFailover } from '../support/cli.js';
import { checkQuotaRuns, paneOf, stopFailurePayload, transcriptIn } from '../support/hooks.js';
import { addTask, makeRig, queueFiles, registryEntries, submissionCount, waitFor, type Rig } from '../support/sessions.js';

/**
 * Hostile input to the tool's Claude Code hooks, through the built CLI, while a real task runs in the pool session
 * whose pane the hooks run in. Whatever arrives on stdin (not JSON, huge, binary, wrong types, ids of sessions that
 * do not exist, paths outside the account homes, another event's payload) and wherever it runs from (a session not
 * in the pool, no tmux), every run exits 0, writes no signal, starts no check-quota and leaves the state alone; the
 * task runs on, sent once, and reconcile finds no end of it in what the hooks were given.
 */

const POOL = 'ccl-auto-11';

interface Case {
  label: string;
  input: string | ((w: HookWorld) => Promise<string>);
  /** The pane to run in: the pool session's (default), a foreign one, or none. */
  pane?: 'pool' | 'foreign' | 'none';
  /** A case for one hook only (the other one rightly records it). */
  only?: 'stop' | 'stop-failure';
}

interface HookWorld {
  rig: Rig;
  env: Record<'pool' | 'foreign', { TMUX_PANE: string; TMUX: string }>;
  /** The running task's conversation and its real transcript (a valid payload names exactly these). */
  sessionId: string;
  transcriptPath: string;
}

const valid = (w: HookWorld, fields: Partial<Parameters<typeof stopFailurePayload>[0]> = {}) =>
  stopFailurePayload({ sessionId: w.sessionId, transcriptPath: w.transcriptPath, error: 'rate_limit', ...fields });
const edit = (w: HookWorld, change: Record<string, unknown>) => JSON.stringify({ ...(JSON.parse(valid(w)) as object), ...change });

const CASES: Case[] = [
  // `hook stop` records a Stop from the pane with no payload at all (a manual run); it is no StopFailure.
  { label: 'nothing at all', input: '', only: 'stop-failure' },
  { label: 'not JSON', input: 'rate_limit please swap' },
  { label: 'binary', input: '\u0000\u00ff\u00fe\u001b[2J\u0003'.repeat(50) },
  { label: 'a JSON array', input: '[{"error":"rate_limit"}]' },
  { label: 'JSON null', input: 'null' },
  { label: 'a huge payload (2 MB)', input: async (w) => edit(w, { last_assistant_message: 'x'.repeat(2_000_000) }) },
  { label: 'a payload cut short', input: async (w) => valid(w).slice(0, 40) },
  { label: 'an error kind that is a number', input: async (w) => edit(w, { error: 429 }) },
  { label: 'no error kind', input: async (w) => edit(w, { error: null }) },
  { label: 'a session id that is an object', input: async (w) => edit(w, { session_id: { $ne: null } }) },
  { label: 'a session id that is a path', input: async (w) => edit(w, { session_id: '../../state' }) },
  { label: 'a session id no transcript exists for', input: async (w) => { const id = randomUUID(); return edit(w, { session_id: id, transcript_path: join(w.rig.home, '.claude-main', 'projects', '-proj', `${id}.jsonl`) }); } },
  { label: "another session's transcript", input: async (w) => edit(w, { transcript_path: await transcriptIn(join(w.rig.home, '.claude-main'), randomUUID()) }) },
  { label: 'a transcript path outside the homes', input: async (w) => { await mkdir(join(w.rig.home, 'evil'), { recursive: true }); const path = join(w.rig.home, 'evil', `${w.sessionId}.jsonl`); await writeFile(path, '{}\n'); return edit(w, { transcript_path: path }); } },
  {
    label: 'a transcript in a home that links outside it',
    input: async (w) => {
      const outside = join(w.rig.home, 'outside');
      await mkdir(outside, { recursive: true });
      await writeFile(join(outside, `${w.sessionId}.jsonl`), '{}\n');
      await symlink(outside, join(w.rig.home, '.claude-main', 'projects', 'sneaky'));
      return edit(w, { transcript_path: join(w.rig.home, '.claude-main', 'projects', 'sneaky', `${w.sessionId}.jsonl`) });
    },
  },
  { label: 'a transcript path with ..', input: async (w) => edit(w, { transcript_path: `${join(w.rig.home, '.claude-main', 'projects')}/../../evil/${w.sessionId}.jsonl` }) },
  { label: 'a relative transcript path', input: async (w) => edit(w, { transcript_path: `projects/-proj/${w.sessionId}.jsonl` }) },
  { label: 'a cwd that is a number', input: async (w) => edit(w, { cwd: 0 }) },
  { label: "a Stop event's payload", input: async (w) => edit(w, { hook_event_name: 'Stop' }), only: 'stop-failure' },
  { label: "a StopFailure event's payload", input: async (w) => valid(w), only: 'stop' },
  { label: "a SubagentStop event's payload", input: async (w) => edit(w, { hook_event_name: 'SubagentStop' }) },
  { label: 'a valid payload from a session not in the pool', input: async (w) => valid(w), pane: 'foreign' },
  { label: 'a valid payload outside tmux', input: async (w) => valid(w), pane: 'none' },
];

async function hookWorld(): Promise<HookWorld> {
  const rig = await makeRig({ pool: { min: 1, max: 1 }, turnMs: 600_000 });
  expect((await claudeFailover(['reconcile', '--config', rig.configPath], { env: rig.env })).exitCode).toBe(0);
  await addTask(rig.project, 'a.md', 'do a.md\n');
  expect((await claudeFailover(['dispatch', '--config', rig.configPath], { env: rig.env })).exitCode).toBe(0);
  const [entry] = await waitFor('the task running', async () => {
    const live = await registryEntries(rig.home);
    return live[0]?.status === 'busy' ? live : undefined;
  });
  const sessionId = String(entry?.sessionId);
  const transcriptPath = join(rig.home, '.claude-main', 'projects', rig.project.replace(/\//g, '-'), `${sessionId}.jsonl`);
  const [pane, socketPath] = (await rig.tmux.displayMessage(`=${POOL}:`, '#{pane_id} #{socket_path}')).split(' ');
  return { rig, sessionId, transcriptPath, env: { pool: { TMUX_PANE: pane as string, TMUX: `${socketPath},1,0` }, foreign: await paneOf(rig, 'ccl-0') } };
}

const stateText = (rig: Rig) => readFile(join(rig.home, 'state', 'state.json'), 'utf8');

describe('hostile input to the hooks', () => {
  it('every case: exit 0, no signal, no check-quota, state and queue untouched; the running task is neither finished nor sent again', async () => {
    const w = await hookWorld();
    const before = { state: await stateText(w.rig), queue: await queueFiles(w.rig.project) };
    for (const c of CASES) {
      const input = typeof c.input === 'string' ? c.input : await c.input(w);
      const env = c.pane === 'none' ? {} : w.env[c.pane ?? 'pool'];
      for (const sub of ['stop-failure', 'stop'].filter((name) => c.only === undefined || c.only === name)) {
        const run = await claudeFailover(['hook', sub, '--json', '--config', w.rig.configPath], { env: { ...w.rig.env, ...env }, input });
        expect(run.exitCode, `${sub} / ${c.label}: ${run.stderr}`).toBe(0);
        expect(JSON.parse(run.stdout), `${sub} / ${c.label}`).toMatchObject({ written: false, reason: expect.any(String) });
        expect(run.stderr, `${sub} / ${c.label}`).toMatch(new RegExp(`hook ${sub}: nothing recorded: `));
      }
      expect(await readdir(join(w.rig.home, 'state', 'signals')).catch(() => []), c.label).toEqual([]);
      expect(await checkQuotaRuns(w.rig.configPath), c.label).toEqual([]);
      await expect(readFile(join(w.rig.home, 'state', 'check-quota-now.log')), c.label).rejects.toThrow(/ENOENT/);
    }
    expect(await stateText(w.rig)).toBe(before.state);
    expect(await queueFiles(w.rig.project)).toEqual(before.queue);

    // Nothing lost, nothing run twice: the task still runs, sent once, and nothing above counts as its end.
    const reconciled = JSON.parse((await claudeFailover(['reconcile', '--json', '--config', w.rig.configPath], { env: w.rig.env })).stdout);
    expect(reconciled.finished).toEqual([]);
    expect(await queueFiles(w.rig.project)).toEqual(before.queue);
    expect((await registryEntries(w.rig.home))[0]?.status).toBe('busy');
    expect(await submissionCount(w.rig.home, 'a.md')).toBe(1);
    expect(await checkQuotaRuns(w.rig.configPath)).toEqual([]);
    // The control case: the same world records a real failed turn (so the cases above were refused, not lost).
    const control = await claudeFailover(['hook', 'stop-failure', '--json', '--config', w.rig.configPath], { env: { ...w.rig.env, ...w.env.pool }, input: valid(w, { error: 'invalid_request' }) });
    expect(JSON.parse(control.stdout)).toMatchObject({ written: true, session: POOL, error: 'invalid_request', checkQuota: null });
    expect(await readdir(join(w.rig.home, 'state', 'signals'))).toEqual([`${POOL}.failed`]);
  });
});
