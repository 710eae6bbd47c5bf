import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../../src/claude-code/core/launch.js';
import { isAtPrompt, readPane } from '../../../src/claude-code/core/screen.js';
import { ACCOUNTS_RIG_OPTIONS, DEDICATED, POOL, cli, exhaust, linkTarget, readState, withAccounts, type AccountsRig } from '../../support/accounts.js';
import { addTask, FAKE_CLAUDE, makeRig, queueFiles, type Rig } from '../../support/sessions.js';
import { waitFor } from '../../support/wait.js';
import { claudeCodeUnder, flagValue, type ProcessInfo } from '../../real/harness/processes.js';

/**
 * The conversation ids on every release the fake plays, registry or not: a new pool conversation starts under the
 * id the tool chose and recorded (`--session-id`), and after a swap both the pool's and the operator's conversations
 * are resumed with their own ids under the new account. 2.1.100 and 2.1.200 write a registry without the `tmux`
 * field; the last row keeps none at all (FAKE_CLAUDE_NO_REGISTRY): the ids come from the tool's own record and, for
 * the operator's session, from the transcript its process writes.
 */
const PROFILES = [
  { release: '2.1.100', registry: true },
  { release: '2.1.200', registry: true },
  { release: '2.1.328', registry: true },
  { release: '2.1.332', registry: true },
  { release: '2.1.332', registry: false },
] as const;

/** The only transcript of the shared projects folder: the operator's, after its one turn. */
async function onlyTranscript(rig: Rig): Promise<string | undefined> {
  const root = join(rig.home, '.claude-shared', 'projects');
  const folders = await readdir(root).catch(() => [] as string[]);
  const files = (await Promise.all(folders.map(async (f) => (await readdir(join(root, f)).catch(() => [] as string[])).filter((n) => n.endsWith('.jsonl'))))).flat();
  return files.length === 1 ? (files[0] as string).slice(0, -'.jsonl'.length) : undefined;
}

/** The operator's Claude Code, started as an operator does (no id chosen for it), with one finished turn. */
async function startOperator(rig: Rig, home: string): Promise<string> {
  await rig.tmux.newSession(DEDICATED, { cwd: rig.project });
  await rig.tmux.sendLine(DEDICATED, `CLAUDE_CONFIG_DIR=${shellQuote(home)} ${FAKE_CLAUDE} --dangerously-skip-permissions`);
  await waitFor('the dedicated prompt', async () => isAtPrompt(readPane(await rig.tmux.capture(DEDICATED))));
  await rig.tmux.sendText(DEDICATED, 'review the design');
  await rig.tmux.sendKeys(DEDICATED, 'Enter');
  const id = await waitFor('the dedicated transcript', () => onlyTranscript(rig));
  await waitFor('the dedicated turn to end', async () => {
    const reading = readPane(await rig.tmux.capture(DEDICATED));
    return isAtPrompt(reading) && !reading.busy && reading.input === '';
  });
  return id;
}

async function claudeIn(rig: AccountsRig, session: string, home: string): Promise<ProcessInfo> {
  return waitFor(`the fake Claude Code under ${home} in ${session}`, async () => {
    const panePid = Number(await rig.tmux.displayMessage(`=${session}:`, '#{pane_pid}'));
    const found = await claudeCodeUnder(panePid, FAKE_CLAUDE);
    return found && found.env.CLAUDE_CONFIG_DIR === home ? found : undefined;
  }, 20_000);
}

describe.each(PROFILES)('conversation ids on the fake as Claude Code $release (registry: $registry)', ({ release, registry }) => {
  it('the pool conversation runs under its recorded id; after a swap both conversations resume with their own ids', async () => {
    const rig = await withAccounts(await makeRig({ ...ACCOUNTS_RIG_OPTIONS, env: { FAKE_CLAUDE_RELEASE: release, ...(registry ? {} : { FAKE_CLAUDE_NO_REGISTRY: '1' }) } }), { startDedicated: startOperator });
    await exhaust(rig.homes.main);
    await addTask(rig.project, 'a.md', 'do a.md\n');
    expect((await cli(rig, ['dispatch'])).exitCode).toBe(0);

    // The id was chosen by the tool and recorded before the launch; Claude Code runs under it.
    const recorded = (await readState(rig)).sessions[POOL]?.conversationId;
    expect(recorded).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const first = await claudeIn(rig, POOL, rig.homes.main);
    expect(flagValue(first.argv, '--session-id')).toBe(recorded);
    expect(first.argv).not.toContain('--resume');

    // The limit: check-quota reads it (the pane, and the transcript of the recorded id) and swaps.
    await waitFor('the limit in the pool pane', async () => /limit/i.test(await rig.tmux.capture(POOL)));
    const quota = await cli(rig, ['check-quota', '--json']);
    expect(quota.exitCode, quota.stderr).toBe(0);
    expect(await linkTarget(rig)).toBe(rig.homes.backup);

    // The operator's conversation, under backup, with its own id.
    const dedicated = await claudeIn(rig, DEDICATED, rig.homes.backup);
    expect(flagValue(dedicated.argv, '--resume')).toBe(rig.dedicatedId);

    // The pool's task is given back to its session, which resumes the recorded conversation under backup.
    expect((await queueFiles(rig.project)).inbox).toEqual(['a.md']);
    const again = await cli(rig, ['dispatch', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ launched: [{ session: POOL, task: 'a.md', resumed: true }] });
    const resumed = await claudeIn(rig, POOL, rig.homes.backup);
    expect(flagValue(resumed.argv, '--resume')).toBe(recorded);
    expect(resumed.argv).not.toContain('--session-id');
    expect((await readState(rig)).sessions[POOL]?.conversationId).toBe(recorded);
    await waitFor('a.md done', async () => {
      await cli(rig, ['reconcile']);
      return (await queueFiles(rig.project)).done.includes('a.md');
    }, 30_000, 500);
  });
});
