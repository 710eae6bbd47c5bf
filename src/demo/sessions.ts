import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/**
 * The sessions part of `npm run demo`: tasks flow from an inbox into pool sessions (a private tmux server running
 * the fake `claude` from fakes/) and on to done/. Self-contained: its own temp HOME and tmux server, both removed.
 */
const BIN = fileURLToPath(new URL('../../../bin/claude-failover.js', import.meta.url));
const FAKE_CLAUDE = fileURLToPath(new URL('../../../fakes/claude', import.meta.url));

export async function demoSessions(): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'claude-failover-demo-sessions-'));
  const socket = `cf-demo-${process.pid}`;
  const project = join(home, 'src', 'webshop');
  // IS_SANDBOX=1: the fake refuses --dangerously-skip-permissions as root otherwise, like the real Claude Code.
  const env = { ...process.env, HOME: home, CLAUDE_FAILOVER_CONFIG: join(home, 'config.yaml'), IS_SANDBOX: '1', FAKE_CLAUDE_TURN_MS: '1500' };
  const cli = async (title: string, args: string[]) => {
    console.log(`\n\u2500\u2500 ${title}\n$ claude-failover ${args.join(' ')}`);
    const run = await execa('node', [BIN, ...args], { env, reject: false, all: true, timeout: 60_000 });
    console.log(run.all);
  };
  try {
    const inbox = join(project, '.agent-queue', 'inbox');
    await mkdir(inbox, { recursive: true });
    await writeFile(env.CLAUDE_FAILOVER_CONFIG, stringify({
      accounts: [{ name: 'main', home: '~/.claude-main' }, { name: 'backup', home: '~/.claude-backup' }],
      projects: ['~/src/webshop'],
      state_dir: '~/state',
      pool: { autonomous: { prefix: 'ccl-auto-', start_index: 11, min: 2, max: 2 } },
      dispatch: { claude_command: FAKE_CLAUDE },
      tmux: { socket },
    }));
    await writeFile(join(inbox, 'fix-login.md'), '---\ntitle: Fix the login test\npriority: critical\n---\nThe login test is flaky; fix it.\n');
    await writeFile(join(inbox, 'update-deps.md'), 'Update the dependencies; run the tests.\n');

    await cli('create the pool sessions (tmux -L ' + socket + ')', ['reconcile']);
    await cli('start the tasks in free pool sessions, in parallel', ['dispatch']);
    const pane = await execa('tmux', ['-L', socket, 'capture-pane', '-p', '-t', '=ccl-auto-11:'], { reject: false });
    console.log(`\nccl-auto-11 right now:\n${String(pane.stdout).split('\n').filter((l) => l.trim() !== '').join('\n')}`);
    await waitForIdle(home);
    await cli('notice the finished turns, move the tasks to done/, recycle the sessions with /exit', ['reconcile']);
    const done = join(project, '.agent-queue', 'done');
    console.log(`\ndone/ now holds: ${(await readdir(done)).join(', ')}\n\n${await readFile(join(done, 'fix-login.md'), 'utf8')}`);
  } finally {
    await execa('tmux', ['-L', socket, 'kill-server'], { reject: false });
    // tmux 3.3 leaves its socket file behind.
    await rm(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, socket), { force: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await rm(home, { recursive: true, force: true });
  }
}

/** Bounded wait until no fake Claude Code reports itself busy. */
async function waitForIdle(home: string): Promise<void> {
  const dir = join(home, '.claude-main', 'sessions');
  for (let i = 0; i < 100; i++) {
    const names = await readdir(dir).catch(() => [] as string[]);
    const statuses = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8').then((t) => (JSON.parse(t) as { status?: string }).status, () => undefined)));
    if (statuses.length > 0 && statuses.every((s) => s === 'idle')) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
