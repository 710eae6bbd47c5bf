import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readPane } from '../../../src/claude-code/core/screen.js';
import { createTmux, type Tmux } from '../../../src/sessions/tmux.js';
import { AnthropicStandIn } from '../harness/anthropic-stand-in.js';
import { claudeCodeEnv, seedAccountHome } from '../harness/homes.js';
import { installRelease, requestedReleases, resolveReleases, type Release } from '../harness/releases.js';
import { waitFor } from '../../support/wait.js';
import { processesWithHome } from '../harness/processes.js';
import { STAND_IN_HOST, createNeutraliser, dashed, type Neutraliser } from './neutralise.js';
import { CAPTURE_STATES, MESSAGE, PASTED_MESSAGE, PANE, type CaptureState } from './states.js';

/**
 * Records what each release shows and writes at each state of a turn, into test/fixtures/claude-code/<version>/:
 * `<state>.txt` (capture-pane -p -J) and `<state>.ansi.txt` (with -e), `<state>.registry.json` (sessions/<pid>.json at
 * that moment, when the release keeps one), `<state>.transcript.jsonl` (the conversation records of the turn) and
 * `<state>.hooks.json` (the Stop / StopFailure hook payloads of the turn), plus `help.txt` and `release.json`.
 * Every state runs in a fresh Claude Code under its own account home (its own token), in a 120x40 pane like the
 * reference captures, against the stand-in. Paths and ids are neutralised.
 *
 *   npm run capture:claude-code -- [versions…]    (default: the release matrix, `latest` resolved)
 */
const run = promisify(execFile);
export const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'claude-code');

export async function main(args: string[]): Promise<void> {
  const versions = await resolveReleases(args.length > 0 ? args : requestedReleases());
  for (const version of versions) {
    const release = await installRelease(version, undefined, (line) => console.log(line));
    console.log(`capturing Claude Code ${version}`);
    await captureRelease(release);
  }
}

interface Capture {
  root: string;
  socket: string;
  project: string;
  hooks: string;
  standIn: AnthropicStandIn;
  tmux: Tmux;
  out: string;
  neutral: Neutraliser;
}

async function captureRelease(release: Release): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'cf-capture-'));
  const standIn = new AnthropicStandIn();
  await standIn.start();
  const socket = `cf-capture-${process.pid}`;
  const bin = join(root, 'bin');
  await mkdir(bin, { recursive: true });
  // Typed as `claude`, as an operator does: the command line on screen names no cache folder.
  await symlink(release.binary, join(bin, 'claude'));
  // tmux starts login shells, which take PATH from /etc/profile: the profile of the temp HOME puts `claude` first.
  await writeFile(join(root, '.bash_profile'), `export PATH=${bin}:$PATH\nPS1='op@vm:\\w\\$ '\n`);
  const env = claudeCodeEnv(root, standIn.url);
  const tmux = createTmux({ socket, env, timeoutMs: 10_000 });
  const out = join(FIXTURES, release.version);
  const capture: Capture = { root, socket, project: join(root, 'src', 'proj'), hooks: join(root, 'hooks'), standIn, tmux, out, neutral: neutraliserFor(root, standIn) };
  try {
    await mkdir(capture.project, { recursive: true });
    // A session that stays, so the server does not exit between two states (and race the next one's start).
    await tmux.newSession('keep', { cwd: root, ...PANE });
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const help = await run(release.binary, ['--help'], { env, timeout: 60_000 });
    await writeFile(join(out, 'help.txt'), capture.neutral.text(help.stdout));
    for (const state of CAPTURE_STATES) {
      console.log(`  ${state.name}`);
      try {
        await captureState(capture, state);
      } catch (error) {
        throw new Error(`Claude Code ${release.version}, state ${state.name}: ${String(error)}`);
      }
    }
    const paths = [...new Set(standIn.requests.map((r) => `${r.method} ${r.path}`))].sort();
    const wrapped = standIn.turns().some((t) => t.pasteWrapped);
    await writeFile(join(out, 'release.json'), `${JSON.stringify({ version: release.version, capturedAt: new Date().toISOString().slice(0, 10), pane: PANE, apiPathsCalled: paths, pasteWrappedInRequests: wrapped }, null, 2)}\n`);
  } finally {
    await tmux.killServer().catch(() => undefined);
    await standIn.stop();
    // Claude Code writes its files until it has exited: wait for every process of the capture first.
    await waitFor('the capture processes to exit', async () => (await processesWithHome(root)).length === 0, 15_000, 200).catch(() => undefined);
    await rm(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
    await rm(root, { recursive: true, force: true });
  }
}

/** The stand-in's port shows in some error screens (`check your inference gateway (127.0.0.1:<port>)`). */
const neutraliserFor = (root: string, standIn: AnthropicStandIn) => createNeutraliser(root, [[standIn.url.replace('http://', ''), STAND_IN_HOST]]);

async function captureState(capture: Capture, state: CaptureState): Promise<void> {
  // Ids are numbered per state, so one state's files do not depend on which states ran before it.
  const c = { ...capture, neutral: neutraliserFor(capture.root, capture.standIn) };
  const account = state.name;
  const home = join(c.root, `.claude-${account}`);
  const seeded = await seedAccountHome(home, account, [c.project]);
  c.standIn.addAccount(account, seeded.token);
  c.standIn.setMode({ kind: 'ok' }, account);
  const hooks = join(c.hooks, account);
  await mkdir(hooks, { recursive: true });
  await writeFile(join(home, 'settings.json'), JSON.stringify({ skipDangerousModePermissionPrompt: true, hooks: hookSettings(hooks) }, null, 2));

  const session = `s-${account}`;
  await c.tmux.newSession(session, { cwd: c.project, ...PANE });
  await c.tmux.sendLine(session, `clear; ${state.env ?? ''}CLAUDE_CONFIG_DIR=${home.replace(c.root, '~')} claude --model sonnet --dangerously-skip-permissions`);
  await waitShowing(c, session, 'the prompt', async () => readPane(await c.tmux.capture(session)).input === '', 60_000);
  // The first screen settles (notices come and go) before anything is recorded.
  await sleep(1500);
  if (state.mode) c.standIn.setMode(state.mode(), account);
  if (state.send) {
    if (state.paste) await c.tmux.paste(session, PASTED_MESSAGE);
    else await c.tmux.sendText(session, MESSAGE);
    await sleep(300);
    await c.tmux.sendKeys(session, 'Enter');
    await waitShowing(c, session, state.name, async () => state.reached(await c.tmux.capture(session)), 90_000);
    await sleep(state.settleMs ?? 1500);
  }
  const name = (suffix: string) => join(c.out, `${state.name}${suffix}`);
  const plain = await c.tmux.capture(session);
  const ansi = await captureWithEscapes(c.socket, session);
  await writeFile(name('.txt'), c.neutral.text(plain));
  await writeFile(name('.ansi.txt'), c.neutral.text(ansi));
  const registry = await readRegistry(home);
  if (registry !== null) await writeFile(name('.registry.json'), `${JSON.stringify(c.neutral.json(registry))}\n`);
  const transcript = await turnRecords(home, c.project);
  if (transcript.length > 0) await writeFile(name('.transcript.jsonl'), transcript.map((r) => JSON.stringify(c.neutral.json(r))).join('\n') + '\n');
  // Hooks run as the turn ends; give a late one a moment.
  await sleep(state.send ? 1000 : 0);
  const payloads = await readHookPayloads(hooks);
  if (payloads.length > 0) await writeFile(name('.hooks.json'), `${JSON.stringify(c.neutral.json(payloads), null, 1)}\n`);
  await c.tmux.killSession(session);
}

async function waitShowing(c: Capture, session: string, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  try {
    await waitFor(`${what} in ${session}`, probe, timeoutMs, 200);
  } catch (error) {
    throw new Error(`${String(error)}; the pane shows:\n${await c.tmux.capture(session).catch(() => '(nothing)')}`);
  }
}

/** Hooks that save their stdin, one file per call, named by event and arrival. */
function hookSettings(dir: string): Record<string, unknown> {
  const save = (event: string) => [{ matcher: '', hooks: [{ type: 'command', command: `cat > ${dir}/$(date +%s%N)-${event}.json` }] }];
  return { Stop: save('Stop'), StopFailure: save('StopFailure') };
}

/** The adapter captures without escapes; the `-e` capture is asked of tmux directly. */
async function captureWithEscapes(socket: string, session: string): Promise<string> {
  const { stdout } = await run('tmux', ['-L', socket, 'capture-pane', '-p', '-J', '-e', '-t', `=${session}:`]);
  return stdout;
}

async function readRegistry(home: string): Promise<unknown> {
  const names = (await readdir(join(home, 'sessions')).catch(() => [] as string[])).filter((n) => /^\d+\.json$/.test(n));
  if (names.length === 0) return null;
  return JSON.parse(await readFile(join(home, 'sessions', names[0] as string), 'utf8')) as unknown;
}

/** The conversation records (user, assistant, system) of the session's transcript: not the prompt snapshots. */
async function turnRecords(home: string, project: string): Promise<Array<Record<string, unknown>>> {
  const dir = join(home, 'projects', dashed(project));
  const files = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.jsonl'));
  const records: Array<Record<string, unknown>> = [];
  for (const file of files) {
    for (const line of (await readFile(join(dir, file), 'utf8')).split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as Record<string, unknown>;
      if (['user', 'assistant', 'system'].includes(String(record.type))) records.push(record);
    }
  }
  return records;
}

async function readHookPayloads(dir: string): Promise<unknown[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  const payloads: unknown[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    try {
      payloads.push(JSON.parse(text));
    } catch {
      payloads.push({ unparsed: text });
    }
  }
  return payloads;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

