import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { createTmux, type Tmux } from '../../../src/sessions/tmux.js';
import { CAPTURE_STATES, MESSAGE, PASTED_MESSAGE, PANE, type CaptureState } from '../../real/capture/states.js';
import { STAND_IN_HOST } from '../../real/capture/neutralise.js';
import { processesWithHome } from '../../real/harness/processes.js';
import { REPO_ROOT } from '../../support/cli.js';
import { FAKE_CLAUDE, removeSocketFile, uniqueSocket } from '../../support/sessions.js';
import { waitFor } from '../../support/wait.js';
import { hookShapes, recordKinds, registryShape, sameScreen, type Json } from '../../support/claude-code-captures.js';

/**
 * The fake `claude` held to the captures of real releases (test/fixtures/claude-code/<version>/, written by
 * `npm run capture:claude-code`): for every captured release and state, the fake playing that release
 * (FAKE_CLAUDE_RELEASE) is driven like the capture drove the real one, in a pane of the same size, and what it
 * shows and writes must match: the screen line by line, the registry entry's fields, the transcript records of the
 * turn (kinds, fields, error kinds and texts) and the hook payloads — times, ids and Claude Code's random verbs
 * aside. The fast suite thus covers every captured release without the real binary.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'claude-code');
const captured = (await readdir(FIXTURES, { withFileTypes: true })).filter((e) => e.isDirectory() && /^\d+\.\d+\.\d+$/.test(e.name)).map((e) => e.name).sort();

/** The fake's control file for a state: the outcome the stand-in gave the real release. */
function controlFor(state: CaptureState): Record<string, unknown> {
  const mode = state.mode?.() ?? { kind: 'ok' as const };
  const resetsAt = 'resetsAt' in mode ? mode.resetsAt : undefined;
  switch (mode.kind) {
    case 'ok':
      return { mode: 'ok', turnMs: 300 };
    case 'slow':
      return { mode: 'ok', turnMs: 60_000 };
    default:
      // A retrying state stays in its retries for the whole check; a final error comes after a short turn.
      return { mode: mode.kind, resetsAt, turnMs: state.name.endsWith('-retrying') ? 60_000 : 300 };
  }
}

/** A JSON file, or null when absent or not whole yet (a hook still writing it). */
async function readJson(path: string): Promise<Json | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Json;
  } catch {
    return null;
  }
}
const readLines = async (path: string): Promise<Json[]> => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);

describe.each(captured)('the fake as Claude Code %s', (version) => {
  let root: string;
  let socket: string;
  let tmux: Tmux;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cf-fake-release-'));
    socket = uniqueSocket();
    tmux = createTmux({ socket, env: { HOME: root, PATH: process.env.PATH, IS_SANDBOX: '1', FAKE_CLAUDE_RELEASE: version, TERM: 'xterm-256color', ANTHROPIC_BASE_URL: `http://${STAND_IN_HOST}` } });
    await mkdir(join(root, 'src', 'proj'), { recursive: true });
    // A session that stays, so the server does not exit between two states (and race the next one's start).
    await tmux.newSession('keep', { cwd: root });
  });
  afterAll(async () => {
    await tmux.killServer().catch(() => undefined);
    await removeSocketFile(socket);
    // The fakes remove their registry files as they exit: only then is the folder theirs no more.
    await waitFor('the fakes to exit', async () => (await processesWithHome(root)).length === 0, 10_000);
    await rm(root, { recursive: true, force: true });
  });

  it.each(CAPTURE_STATES.map((s) => [s.name, s] as const))('%s', async (_name, state) => {
    const fixture = (suffix: string) => join(FIXTURES, version, `${state.name}${suffix}`);
    const home = join(root, `.claude-${state.name}`);
    const hooks = join(root, 'hooks', state.name);
    await mkdir(hooks, { recursive: true });
    await mkdir(home, { recursive: true });
    const save = (event: string) => [{ matcher: '', hooks: [{ type: 'command', command: `cat > ${hooks}/$(date +%s%N)-${event}.json` }] }];
    await writeFile(join(home, 'settings.json'), JSON.stringify({ hooks: { Stop: save('Stop'), StopFailure: save('StopFailure') } }));
    await writeFile(join(home, 'fake-claude-control.json'), JSON.stringify(controlFor(state)));

    const session = `s-${state.name}`;
    await tmux.newSession(session, { cwd: join(root, 'src', 'proj'), ...PANE });
    await tmux.sendLine(session, `clear; CLAUDE_CONFIG_DIR=~/.claude-${state.name} ${FAKE_CLAUDE} --model sonnet --dangerously-skip-permissions`);
    await waitFor('the prompt', async () => readPane(await tmux.capture(session)).input === '');
    if (state.send) {
      if (state.paste) await tmux.paste(session, PASTED_MESSAGE);
      else await tmux.sendText(session, MESSAGE);
      await tmux.sendKeys(session, 'Enter');
      await waitFor(`${state.name} on screen`, async () => state.reached(await tmux.capture(session)));
    }

    const expectedHooks = ((await readJson(fixture('.hooks.json'))) ?? []) as Json[];
    const hookFiles = async () => (await readdir(hooks)).sort();
    const payloads = await waitFor('the hooks of the turn', async () => {
      const read = await Promise.all((await hookFiles()).map((f) => readJson(join(hooks, f))));
      return read.length >= expectedHooks.length && read.every((p) => p !== null) ? read : undefined;
    });
    const expectedRegistry = await readJson(fixture('.registry.json'));
    const registryFiles = async () => (await readdir(join(home, 'sessions')).catch(() => [] as string[])).filter((n) => /^\d+\.json$/.test(n));
    // The fake writes the entry's idle status once its hooks are done, as the real one does.
    const registry = await waitFor('the registry entry', async () => {
      const [file] = await registryFiles();
      const entry = file ? await readJson(join(home, 'sessions', file)) : null;
      if (expectedRegistry === null) return { entry };
      return entry && (entry as Record<string, Json>).status === (expectedRegistry as Record<string, Json>).status ? { entry } : undefined;
    });

    // The screen.
    expect(sameScreen(await tmux.capture(session))).toBe(sameScreen(await readFile(fixture('.txt'), 'utf8')));
    // The registry entry: present as the release keeps one, with its fields.
    expect(registry.entry === null ? null : registryShape(registry.entry)).toEqual(expectedRegistry === null ? null : registryShape(expectedRegistry));
    // The transcript records of the turn.
    const dir = join(home, 'projects');
    const transcripts = (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((f) => String(f).endsWith('.jsonl'));
    const written = (await Promise.all(transcripts.map((f) => readLines(join(dir, String(f)))))).flat()
      .filter((r) => ['user', 'assistant', 'system'].includes(String((r as Record<string, Json>).type)));
    expect(recordKinds(written)).toEqual(recordKinds(await readLines(fixture('.transcript.jsonl'))));
    // The hook payloads.
    expect(hookShapes(payloads as Json[])).toEqual(hookShapes(expectedHooks));
    await tmux.killSession(session);
  });
});
