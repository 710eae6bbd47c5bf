import { readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_CLAUDE, createWorld, liveFakes, until, type World } from './world.js';

/**
 * `npm run demo`: the whole loop on an embedded default, against the real CLI — scan, dispatch, completion, reaping,
 * a usage limit, the swap and the resume — with `status` between the steps. Self-contained (temp HOME, private tmux
 * server, fake accounts, fake `claude`, local secutools) and it leaves nothing running.
 */
const rule = (title: string) => console.log(`\n\u2501\u2501 ${title} ${'\u2501'.repeat(Math.max(0, 100 - title.length))}`);

async function show(world: World, args: string[], expectExit = [0]): Promise<void> {
  console.log(`$ claude-failover ${args.join(' ')}`);
  const { exitCode, output } = await world.cli(args);
  console.log(output.trimEnd());
  if (!expectExit.includes(exitCode)) throw new Error(`claude-failover ${args.join(' ')} exited ${exitCode}`);
}

async function pane(world: World, session: string, lines = 8): Promise<void> {
  const text = await world.tmux('capture-pane', '-p', '-J', '-t', `=${session}:`);
  const tail = text.split('\n').filter((l) => l.trim() !== '').slice(-lines);
  console.log(`[pane ${session}]\n${tail.map((l) => `  \u2502 ${l.trimEnd()}`).join('\n')}`);
}

const allIdle = (world: World) => async () => {
  const fakes = await liveFakes(world.home);
  return fakes.length > 0 && fakes.every((f) => f.status === 'idle');
};

async function main(): Promise<void> {
  const started = Date.now();
  const world = await createWorld();
  try {
    console.log(`A temp HOME (${world.home}) with accounts main and backup, a private tmux server (-L ${world.socket}),`);
    console.log(`the fake claude (${FAKE_CLAUDE}) and a local secutools platform at ${world.secutools.url}.`);

    rule('1. Prepare: the shared-state links every account home needs');
    await show(world, ['validate-symlinks', '--fix']);

    rule('2. Operator sessions: a dedicated one running Claude Code, and an unrelated one the tool must never touch');
    await world.tmux('new-session', '-d', '-s', 'ccl-1-webshop', '-x', '160', '-y', '40', '-c', world.project);
    await world.tmux('send-keys', '-t', '=ccl-1-webshop:', `CLAUDE_CONFIG_DIR=${world.home}/.claude-main ${FAKE_CLAUDE} --dangerously-skip-permissions`, 'Enter');
    await world.tmux('new-session', '-d', '-s', 'ccl-0', '-c', world.home);
    await until('the dedicated Claude Code to start', async () => (await liveFakes(world.home)).length === 1);
    await until('its prompt', async () => (await world.tmux('capture-pane', '-p', '-t', '=ccl-1-webshop:')).includes('\u276f'));
    await world.tmux('send-keys', '-t', '=ccl-1-webshop:', '-l', 'Review the open pull requests');
    await world.tmux('send-keys', '-t', '=ccl-1-webshop:', 'Enter');
    await until('the operator\'s turn to finish', async () => (await world.tmux('capture-pane', '-p', '-t', '=ccl-1-webshop:')).includes('Cogitated'));
    await pane(world, 'ccl-1-webshop', 6);

    rule('3. Four tasks arrive: two local, one opting in to delegation, one broken');
    await writeFile(join(world.inbox, 'fix-login.md'), '---\ntitle: Fix the login test\npriority: critical\n---\nThe login test is flaky; find out why and fix it.\n');
    await writeFile(join(world.inbox, 'update-deps.md'), 'Update the dependencies and run the tests.\n');
    await writeFile(join(world.inbox, 'summarise-logs.md'), "---\ntitle: Summarise logs\nallow_delegation: true\npreferred_ai: gemini\n---\nSummarise yesterday's logs.\n");
    await writeFile(join(world.inbox, 'typo.md'), '---\ntitle: Broken\npriority: urgent\n---\nThis task has a bad priority.\n');
    await show(world, ['scan-inbox']);

    rule('4. reconcile creates the pool sessions; dispatch starts both local tasks in parallel');
    await show(world, ['reconcile']);
    await show(world, ['dispatch']);
    await pane(world, 'ccl-auto-11');

    rule('5. The turns finish: reconcile moves the tasks to done/ and recycles the sessions; reaping collects the delegated job');
    await until('both turns to finish', allIdle(world));
    await show(world, ['reconcile']);
    await until('the secutools job to complete', async () => world.secutools.allJobs().every((j) => Date.now() - j.createdAtMs > 1500));
    await show(world, ['reap-delegated']);
    console.log(`done/: ${(await readdir(join(world.project, '.agent-queue', 'done'))).join(', ')}`);
    await show(world, ['status']);

    rule('6. The main account hits its usage limit in the middle of a task');
    await writeFile(join(world.home, '.claude-main', 'fake-claude-control.json'), JSON.stringify({ limitNextTurn: true, resetsAt: Math.floor(Date.now() / 1000) + 5 * 3600 }));
    await writeFile(join(world.inbox, 'refactor-cart.md'), '---\ntitle: Refactor the cart\npriority: high\n---\nSplit cart.ts into smaller modules.\n');
    await show(world, ['scan-inbox']);
    await show(world, ['dispatch']);
    await until('the usage limit to show', async () => (await world.tmux('capture-pane', '-p', '-t', '=ccl-auto-11:')).includes('hit your') || (await world.tmux('capture-pane', '-p', '-t', '=ccl-auto-12:')).includes('hit your'));
    for (const session of ['ccl-auto-11', 'ccl-auto-12']) await pane(world, session, 6);

    rule('7. check-quota sees it, marks main exhausted and swaps every session to backup');
    await show(world, ['check-quota']);
    console.log(`~/.claude → ${await readlink(join(world.home, '.claude'))}`);
    await until('the dedicated conversation to resume under backup', async () => (await liveFakes(world.home)).some((f) => f.home === '.claude-backup'));
    await pane(world, 'ccl-1-webshop', 4);
    console.log(`ccl-0 (not ours) still runs: ${(await world.tmux('list-sessions', '-F', '#S')).split('\n').includes('ccl-0')}`);

    rule('8. The interrupted task runs again on the new account, resumed, and finishes');
    const saved = (await readFile(join(world.home, '.claude-context', 'ccl-auto-11-resume-id.txt'), 'utf8')).trim();
    console.log(`the swap saved ccl-auto-11's conversation for the resume: ${saved}`);
    await show(world, ['dispatch']);
    await until('the resumed conversation to run', async () => (await liveFakes(world.home)).some((f) => f.sessionId === saved && f.home === '.claude-backup'));
    console.log(`ccl-auto-11 now runs conversation ${saved} under .claude-backup (claude --resume ${saved})`);
    await pane(world, 'ccl-auto-11', 8);
    await until('the resumed task to finish', allIdle(world));
    await show(world, ['reconcile']);
    const done = join(world.project, '.agent-queue', 'done');
    console.log(`done/: ${(await readdir(done)).join(', ')}\n\n${(await readFile(join(done, 'refactor-cart.md'), 'utf8')).trimEnd()}`);
    await show(world, ['status']);

    rule('9. What a monitoring system scrapes: the same fleet as OpenMetrics (no tmux call, no lock)');
    const metrics = await world.cli(['metrics']);
    if (metrics.exitCode !== 0) throw new Error(`claude-failover metrics exited ${metrics.exitCode}`);
    const samples = metrics.output.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    // Every label set that can exist is emitted, most of them 0 here: the ones that say something are shown.
    console.log(`$ claude-failover metrics   # ${samples.length} samples; the non-zero ones:`);
    console.log(samples.filter((line) => !line.endsWith(' 0')).join('\n'));
  } catch (error) {
    // Show what the sessions looked like: a demo that fails should say why.
    for (const session of (await world.tmux('list-sessions', '-F', '#S')).split('\n').filter(Boolean)) await pane(world, session, 12);
    throw error;
  } finally {
    await world.teardown();
  }
  console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s; tmux server, fake sessions and the secutools server are stopped, the temp HOME is gone.`);
}

await main();
