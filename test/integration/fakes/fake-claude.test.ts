import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../../src/claude-code/core/launch.js';
import { isAtPrompt, readPane } from '../../../src/claude-code/core/screen.js';
import { FAKE_CLAUDE_NEWEST as NEWEST_CAPTURED, FAKE_CLAUDE, makeRig, registryEntries, waitFor, type Rig } from '../../support/sessions.js';

/** The fake `claude` must behave like the captures in reference/claude-code/: these are its own checks. */
async function start(rig: Rig, args: string, env = 'IS_SANDBOX=1'): Promise<void> {
  await rig.tmux.newSession('ccl-auto-11', { cwd: rig.project });
  await rig.tmux.sendText('ccl-auto-11', `${env} CLAUDE_CONFIG_DIR=${shellQuote(join(rig.home, '.claude-main'))} ${FAKE_CLAUDE} ${args}`);
  await rig.tmux.sendKeys('ccl-auto-11', 'Enter');
}

const screen = (rig: Rig) => rig.tmux.capture('ccl-auto-11');
const transcriptLines = async (rig: Rig) => {
  const dir = join(rig.home, '.claude-main', 'projects', rig.project.replace(/[^A-Za-z0-9]/g, '-'));
  const files = await readdir(dir).catch(() => [] as string[]);
  const lines = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
  return lines.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
};

describe('fake claude', () => {
  it('welcome screen at the prompt, registry entry with the tmux location, removed on /exit with the resume hint', async () => {
    const rig = await makeRig();
    await start(rig, '--model opus --dangerously-skip-permissions');
    await waitFor('the prompt', async () => isAtPrompt(readPane(await screen(rig))));
    expect(await screen(rig)).toContain(`Claude Code v${NEWEST_CAPTURED}`);
    const [entry] = await registryEntries(rig.home);
    expect(entry).toMatchObject({ status: 'idle', cwd: rig.project, tmux: expect.stringMatching(/^ccl-auto-11:@\d+\.%\d+$/) });

    await rig.tmux.sendText('ccl-auto-11', '/exit');
    await rig.tmux.sendKeys('ccl-auto-11', 'Enter');
    await waitFor('the resume hint', async () => readPane(await screen(rig)).resumeHint);
    expect(readPane(await screen(rig)).resumeHint).toBe(entry?.sessionId);
    expect(await screen(rig)).toMatch(/claude --model opus --dangerously-skip-permissions --resume [0-9a-f-]{36}/);
    expect(await registryEntries(rig.home)).toEqual([]);
  });

  it('a usage-limited turn renders the limit screen and appends the 429 record with resetsAt', async () => {
    const rig = await makeRig();
    const resetsAt = Math.floor(Date.now() / 1000) + 7200;
    await writeFile(join(rig.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ turnMs: 50, limitNextTurn: true, resetsAt }));
    await start(rig, '--model sonnet');
    await waitFor('the prompt', async () => isAtPrompt(readPane(await screen(rig))));
    await rig.tmux.sendText('ccl-auto-11', 'Next task');
    await rig.tmux.sendKeys('ccl-auto-11', 'Enter');
    await waitFor('the limit screen', async () => readPane(await screen(rig)).limitBanner);
    expect(await screen(rig)).toMatch(/⎿\s{2}You've hit your 5-hour limit · resets \d{1,2}:\d{2}[ap]m \(UTC\)/);
    // The newest assistant record (the release puts a system notice after it, as the real one does).
    const last = (await transcriptLines(rig)).filter((r) => r.type === 'assistant').at(-1);
    expect(last).toMatchObject({ isApiErrorMessage: true, apiErrorStatus: 429, error: 'rate_limit', apiErrorParams: { rate_limit_info: { resetsAt, rateLimitType: 'five_hour' } } });
  });

  it('--resume of an unknown conversation prints the real message and returns to the shell', async () => {
    const rig = await makeRig();
    await start(rig, '--resume 0b7a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d');
    await waitFor('the refusal', async () => readPane(await screen(rig)).noConversation);
    expect(await registryEntries(rig.home)).toEqual([]);
  });

  it('as root, --dangerously-skip-permissions is refused unless IS_SANDBOX=1', async () => {
    if (process.getuid?.() !== 0) {
      // Not root: the refusal does not apply, the fake starts normally.
      const rig = await makeRig();
      await start(rig, '--dangerously-skip-permissions', 'IS_SANDBOX=');
      await waitFor('the prompt', async () => isAtPrompt(readPane(await screen(rig))));
      return;
    }
    const rig = await makeRig();
    await start(rig, '--dangerously-skip-permissions', 'IS_SANDBOX=');
    await waitFor('the refusal', async () => readPane(await screen(rig)).permissionsRefused);
  });

  it('runs the Stop hook from settings.json with the hook JSON on stdin', async () => {
    const rig = await makeRig();
    const out = join(rig.home, 'hook-input.json');
    await writeFile(join(rig.home, '.claude-main', 'settings.json'), JSON.stringify({ hooks: { Stop: [{ matcher: '', hooks: [{ type: 'command', command: `cat > ${shellQuote(out)}` }] }] } }));
    await start(rig, '--model sonnet');
    await waitFor('the prompt', async () => isAtPrompt(readPane(await screen(rig))));
    await rig.tmux.sendText('ccl-auto-11', 'hi');
    await rig.tmux.sendKeys('ccl-auto-11', 'Enter');
    // The hook writes while we poll: wait for a whole JSON document, not just a non-empty file.
    const input = await waitFor('the hook', async () => {
      try {
        return JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    });
    const [entry] = await registryEntries(rig.home);
    expect(input).toMatchObject({ hook_event_name: 'Stop', session_id: entry?.sessionId, cwd: rig.project, transcript_path: expect.stringMatching(/\.jsonl$/) });
  });

  it('a turn that ends in the usage limit runs the StopFailure hooks, not Stop, with the kind and the text', async () => {
    const rig = await makeRig();
    const out = (event: string) => join(rig.home, `${event}-input.json`);
    const hooks = Object.fromEntries(['Stop', 'StopFailure'].map((event) => [event, [{ hooks: [{ type: 'command', command: `cat > ${shellQuote(out(event))}` }] }]]));
    await writeFile(join(rig.home, '.claude-main', 'settings.json'), JSON.stringify({ hooks }));
    await writeFile(join(rig.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ limitNextTurn: true, turnMs: 100 }));
    await start(rig, '--model sonnet');
    await waitFor('the prompt', async () => isAtPrompt(readPane(await screen(rig))));
    await rig.tmux.sendText('ccl-auto-11', 'hi');
    await rig.tmux.sendKeys('ccl-auto-11', 'Enter');
    const input = await waitFor('the StopFailure hook', async () => {
      try {
        return JSON.parse(await readFile(out('StopFailure'), 'utf8')) as Record<string, unknown>;
      } catch {
        return undefined; // not written yet, or being written
      }
    });
    const [entry] = await registryEntries(rig.home);
    expect(input).toMatchObject({
      hook_event_name: 'StopFailure', error: 'rate_limit', session_id: entry?.sessionId, cwd: rig.project,
      transcript_path: expect.stringContaining(`${entry?.sessionId}.jsonl`), last_assistant_message: expect.stringMatching(/^You've hit your 5-hour limit · resets /),
    });
    // The registry goes idle only after the hooks ran: by then a Stop hook would have written its file.
    await waitFor('the session idle', async () => (await registryEntries(rig.home))[0]?.status === 'idle');
    await expect(readFile(out('Stop'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
