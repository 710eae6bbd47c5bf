import { Command, example, execute, notImplemented, runProgram, withCommonOptions, type CommonFlags } from './frame.js';

/** commander wiring for `claude-failover` (DESIGN §3). Command modules load lazily so start-up stays small. */
export function buildProgram(): Command {
  const program = new Command('claude-failover')
    .description('Keeps a fleet of Claude Code sessions in tmux working unattended: task queue, delegation, account failover.')
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `\nExit codes: 0 done (also "nothing to do"), 1 failed, 2 usage or config error, 3 blocked (partial swap set or\nevery account exhausted), 75 another run holds the lock (try later).\n`,
    );

  example(
    withCommonOptions(
      program
        .command('scan-inbox')
        .description('Find new tasks in every project inbox, validate and route them; quarantine invalid ones to failed/ with the reason.'),
      { dryRun: true },
    ),
    'claude-failover scan-inbox --json',
    'claude-failover scan-inbox --dry-run   # report routes, move nothing',
  ).action((options: CommonFlags) => execute(() => import('../commands/scan-inbox.js'), { ...options, dryRun: Boolean(options.dryRun) }));

  pending(program, 'dispatch', 'Give local tasks (critical > high > default > low, then oldest) to free pool sessions, one task each, launched in parallel.', '[sessions]', true);
  pending(program, 'reap-delegated', 'Poll every delegated secutools job; move completed ones to done/ and failed, cancelled or timed-out ones to failed/.', '[delegation]', true);
  pending(program, 'reconcile', 'Lifecycle pass: create missing pool sessions, detect finished tasks, recycle, mark stalled, recover crashes, finish killed swaps.', '[sessions]', true);

  const checkQuota = pending(program, 'check-quota', 'Read every pool and dedicated session, decide whether the active account is exhausted, and swap unless --no-swap.', '[accounts]', true);
  checkQuota.option('--no-swap', 'detect and report only; never swap');

  const swap = pending(program, 'swap-account', 'Move all work from the active account to another: stop sessions, flip ~/.claude, resume conversations.', '[accounts]', true);
  swap.option('--to <name>', 'target account (default: the next one in order that is not exhausted)');
  swap.option('--clear-partial', 'clear the sticky partial-swap flag after an operator has repaired the homes');

  const symlinks = pending(program, 'validate-symlinks', 'Check every account home against the shared-state links and report every problem at once.', '[accounts]', false);
  symlinks.option('--fix', 'create missing target dirs and missing links (never rewrites a divergent link or replaces a real file)');

  const hook = program.command('hook').description('Claude Code hooks.');
  pending(hook, 'stop', 'Claude Code Stop hook: read the hook JSON on stdin and mark the pane\'s session finished.', '[sessions]', false);

  const systemd = program.command('systemd').description('systemd user units for this machine\'s config.');
  pending(systemd, 'install', 'Render the user units, write them to the user unit dir, reload and enable them.', '[operations]', true);
  pending(systemd, 'uninstall', 'Disable and remove the units installed by `systemd install`.', '[operations]', true);

  pending(program, 'doctor', 'Check everything the tool depends on; print ok / warning / error with the fix for each.', '[operations]', false);
  pending(program, 'status', 'One screen: accounts, partial-swap flag, sessions, queues per project, delegated jobs, detections, lock, timers.', '[operations]', false);
  return program;
}

function pending(parent: Command, name: string, description: string, issue: string, dryRun: boolean): Command {
  const command = withCommonOptions(parent.command(name).description(description), { dryRun });
  example(command, `claude-failover ${parent.name() === 'claude-failover' ? '' : parent.name() + ' '}${name}`);
  command.action((options: CommonFlags) => execute(notImplemented(name, issue), options, 'none'));
  return command;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await runProgram(buildProgram(), argv);
}
