import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTmux, type Tmux } from '../src/sessions/tmux.js';
import { BIN, benchHome } from './fixtures.js';
import { timeProcess } from './support.js';

/**
 * A pool of `size` sessions on a private tmux server running the fake `claude`, in a temp HOME: the shared rig of
 * the sessions and check-quota benchmarks. Set-up is untimed; only the commands under test are measured.
 */
const FAKE_CLAUDE = new URL('../../fakes/claude', import.meta.url).pathname;

export interface Pool {
  home: string;
  project: string;
  env: NodeJS.ProcessEnv;
  socket: string;
  tmux: Tmux;
  size: number;
}

/** `turnMs`: how long each fake turn lasts; `limited`: every turn ends in the 5-hour usage limit. */
export async function pool(size: number, options: { turnMs: number; limited?: boolean }): Promise<Pool> {
  const socket = `cf-bench-${process.pid}-${randomBytes(4).toString('hex')}`;
  const { home, config, projectDirs } = await benchHome(1, {
    pool: { autonomous: { prefix: 'ccl-auto-', start_index: 11, min: size, max: size } },
    dispatch: { claude_command: FAKE_CLAUDE, prompt_timeout: '30s' },
    tmux: { socket },
  });
  const env = { HOME: home, CLAUDE_FAILOVER_CONFIG: config, IS_SANDBOX: '1', FAKE_CLAUDE_TURN_MS: String(options.turnMs) };
  if (options.limited) {
    const resetsAt = Math.floor(Date.now() / 1000) + 2 * 3600;
    await mkdir(join(home, '.claude-main'), { recursive: true });
    await writeFile(join(home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ limitNextTurn: true, resetsAt }));
  }
  return { home, project: projectDirs[0] as string, env, socket, tmux: createTmux({ socket, env }), size };
}

/** Runs the CLI as installed (through its shebang) in the pool's HOME; a failing run stops the benchmark. */
export async function cli(p: Pool, args: string[]) {
  const run = await timeProcess(BIN, args, p.env);
  if (run.exitCode !== 0) throw new Error(`${args.join(' ')} failed with ${run.exitCode}`);
  return run;
}

/** Creates the sessions, drops one task per session and dispatches them all; returns the dispatch run. */
export async function dispatchAll(p: Pool) {
  await cli(p, ['reconcile']);
  for (let i = 0; i < p.size; i++) {
    await writeFile(join(p.project, '.agent-queue', 'inbox', `task-${i}.md`), `---\npriority: default\n---\nBench task ${i}: summarise the README;\nsecond line.\n`);
  }
  const run = await cli(p, ['dispatch', '--json']);
  const launched = (JSON.parse(run.stdout) as { launched: unknown[] }).launched.length;
  if (launched !== p.size) throw new Error(`dispatch launched ${launched} of ${p.size}`);
  return run;
}

export async function teardown(p: Pool): Promise<void> {
  await p.tmux.killServer().catch(() => undefined);
  // tmux 3.3 leaves its socket file behind.
  await rm(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, p.socket), { force: true });
  // The shells and fakes need a moment to go after their server; their files are in the temp HOME.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await rm(p.home, { recursive: true, force: true }).catch(() => undefined);
}
