import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { FakeSecutools } from '../fakes/secutools-server.js';
import { processAlive } from '../base/process.js';

/**
 * The demo's self-contained world: a temp HOME with two fake accounts and a shared root, a private tmux server,
 * the fake `claude`, a local secutools platform, and a project with an inbox. Everything lives and dies with it.
 */
export const PACKAGE_ROOT = packageRoot();
export const BIN = join(PACKAGE_ROOT, 'bin', 'claude-failover.js');
export const FAKE_CLAUDE = join(PACKAGE_ROOT, 'fakes', 'claude');

/**
 * The nearest folder above this module that holds bin/claude-failover.js: the demo runs from dist/src/demo/ in a
 * checkout, from dist/bundle/ in the package, and from src/demo/ under the tests.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'bin', 'claude-failover.js'))) return dir;
  }
  throw new Error(`the demo cannot find bin/claude-failover.js above ${fileURLToPath(import.meta.url)}`);
}

export interface World {
  home: string;
  project: string;
  inbox: string;
  socket: string;
  env: NodeJS.ProcessEnv;
  secutools: FakeSecutools;
  tmux(...args: string[]): Promise<string>;
  cli(args: string[]): Promise<{ exitCode: number; output: string }>;
  teardown(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  const home = await mkdtemp(join(tmpdir(), 'claude-failover-demo-'));
  const socket = `cf-demo-${process.pid}`;
  const project = join(home, 'src', 'webshop');
  const inbox = join(project, '.agent-queue', 'inbox');
  const apiKey = `demo-${randomBytes(12).toString('hex')}`;
  const secutools = new FakeSecutools({ apiKey, completeAfterMs: 1500 });
  const baseUrl = await secutools.start();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    CLAUDE_FAILOVER_CONFIG: join(home, '.config', 'claude-failover', 'config.yaml'),
    SECUTOOLS_API_KEY: apiKey,
    // The fake, like the real Claude Code, refuses --dangerously-skip-permissions as root without it.
    IS_SANDBOX: '1',
    FAKE_CLAUDE_TURN_MS: '1200',
  };
  await mkdir(inbox, { recursive: true });
  for (const account of ['.claude-main', '.claude-backup']) {
    await mkdir(join(home, account), { recursive: true });
    await writeFile(join(home, account, '.credentials.json'), '{"demo": true}\n');
  }
  await symlink(join(home, '.claude-main'), join(home, '.claude'));
  await mkdir(join(home, '.config', 'claude-failover'), { recursive: true });
  await writeFile(
    env.CLAUDE_FAILOVER_CONFIG as string,
    stringify({
      accounts: [
        { name: 'main', home: '~/.claude-main' },
        { name: 'backup', home: '~/.claude-backup' },
      ],
      pool: {
        autonomous: { prefix: 'ccl-auto-', start_index: 11, min: 2, max: 2 },
        dedicated: [{ session: 'ccl-1-webshop', project: '~/src/webshop' }],
      },
      dispatch: { claude_command: FAKE_CLAUDE },
      quota: { confirm_polls: 2, reactivate_cooldown: '5m' },
      delegation: { enabled: true, base_url: baseUrl, request_timeout: '5s', retries: 2 },
      state_dir: '~/.local/state/claude-failover',
      tmux: { socket },
    }),
  );

  const tmux = async (...args: string[]) => String((await execa('tmux', ['-L', socket, ...args], { env, reject: false, timeout: 10_000 })).stdout);
  return {
    home,
    project,
    inbox,
    socket,
    env,
    secutools,
    tmux,
    async cli(args) {
      const run = await execa('node', [BIN, ...args], { env, reject: false, all: true, timeout: 90_000 });
      return { exitCode: run.exitCode ?? -1, output: String(run.all ?? '') };
    },
    async teardown() {
      await tmux('kill-server');
      // tmux 3.3 leaves its socket file behind when the server exits.
      await rm(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
      await secutools.stop();
      await stopFakes(home);
      // A Claude Code that was exiting may still be writing its last records: removing a folder it writes into
      // fails with ENOTEMPTY, so the removal is tried again (fs.rm retries that error itself).
      await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    },
  };
}

/** The fake Claude Codes registered under either account (each removes its file when it exits). */
export async function liveFakes(home: string): Promise<Array<{ pid: number; status: string; sessionId: string; home: string }>> {
  const found = [];
  for (const account of ['.claude-main', '.claude-backup']) {
    const dir = join(home, account, 'sessions');
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      try {
        const entry = JSON.parse(await readFile(join(dir, name), 'utf8')) as { pid: number; status: string; sessionId: string };
        found.push({ ...entry, home: account });
      } catch {
        // Being rewritten.
      }
    }
  }
  return found;
}

/** Waits (5 s at most) for the fakes the tmux server's end hung up on to exit, then kills what is left. */
async function stopFakes(home: string): Promise<void> {
  const alive = async () => (await liveFakes(home)).filter((f) => processAlive(f.pid));
  const exited = await until('the fake Claude Codes to exit', async () => (await alive()).length === 0, 5000).then(() => true, () => false);
  if (exited) return;
  for (const fake of await alive()) {
    try {
      process.kill(fake.pid, 'SIGKILL');
    } catch {
      // Exited between the look and the kill.
    }
  }
}

/** Polls `probe` every 200 ms until it is truthy or `timeoutMs` passes (the demo never waits blindly). */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`the demo gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
