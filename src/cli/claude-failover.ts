import { Command, Option, example, execute, runProgram, withCommonOptions, type CommonFlags } from './frame.js';

/** commander wiring for `claude-failover`. Command modules load lazily so start-up stays small. */
export function buildProgram(bin: string): Command {
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
  ).action((options: CommonFlags) => execute(() => import('../queue/scan-inbox.command.js'), { ...options, dryRun: Boolean(options.dryRun) }));

  example(
    withCommonOptions(
      program
        .command('dispatch')
        .description('Give local tasks (critical > high > default > low, then oldest) to free pool sessions, one task each, launched in parallel.')
        .addOption(
          new Option('--scan', 'run scan-inbox first, and repeat scan + dispatch while new task files keep arriving (at most 5 passes); what the systemd path units run').conflicts('dryRun'),
        ),
      { dryRun: true },
    ),
    'claude-failover dispatch',
    'claude-failover dispatch --dry-run   # show which task would go to which session',
    'claude-failover dispatch --scan      # scan the inboxes, then dispatch, until nothing new arrives',
  ).action((options: CommonFlags & { scan?: boolean }) =>
    options.scan
      ? execute(() => import('../queue/scan-and-dispatch.command.js'), { ...options, dryRun: false })
      : execute(() => import('../sessions/dispatch.command.js'), { ...options, dryRun: Boolean(options.dryRun) }),
  );
  example(
    withCommonOptions(
      program
        .command('reap-delegated')
        .description('Poll every delegated secutools job; move completed ones to done/ and failed, cancelled or timed-out ones to failed/ (exit 1 while a job cannot be polled).'),
      { dryRun: true },
    ),
    'claude-failover reap-delegated',
    'claude-failover reap-delegated --dry-run --json   # poll and report, move nothing',
  ).action((options: CommonFlags) => execute(() => import('../delegation/reap-delegated.command.js'), { ...options, dryRun: Boolean(options.dryRun) }));
  example(
    withCommonOptions(
      program
        .command('reconcile')
        .description('Lifecycle pass: create missing pool sessions, detect finished tasks, recycle, mark stalled, recover crashes, finish killed swaps.'),
      { dryRun: true },
    ),
    'claude-failover reconcile',
    'claude-failover reconcile --dry-run --json   # judge every session, change nothing',
  ).action((options: CommonFlags) => execute(() => import('../sessions/reconcile.command.js'), { ...options, dryRun: Boolean(options.dryRun) }));

  example(
    withCommonOptions(
      program
        .command('check-quota')
        .description(
          'Read every pool and dedicated session, decide whether the active account is exhausted, and swap unless --no-swap ' +
            '(exit 3 when the swap is blocked: partial swap set or every account exhausted; 1 when it failed and was rolled back).',
        )
        .option('--no-swap', 'detect and report only; never swap'),
      { dryRun: true },
    ),
    'claude-failover check-quota --json',
    'claude-failover check-quota --no-swap   # report verdicts, mark the account, never swap',
  ).action((options: CommonFlags & { swap?: boolean }) =>
    execute(() => import('../quota/check-quota.command.js'), { ...options, swap: options.swap !== false, dryRun: Boolean(options.dryRun) }),
  );

  example(
    withCommonOptions(
      program
        .command('swap-account')
        .description(
          'Move all work from the active account to another: save resume ids, stop the configured sessions, flip ~/.claude, ' +
            'resume conversations. Rolled back on failure (exit 1); refused while the partial-swap flag is set (exit 3).',
        )
        .option('--to <name>', 'target account (default: the next one in order that is not exhausted)')
        .option('--clear-partial', 'clear the sticky partial-swap flag after an operator has repaired the homes (swaps only with --to)'),
      { dryRun: true },
    ),
    'claude-failover swap-account --dry-run   # which account, which sessions, which conversations',
    'claude-failover swap-account --to backup',
    'claude-failover swap-account --clear-partial',
  ).action((options: CommonFlags & { to?: string; clearPartial?: boolean }) =>
    execute(() => import('../swap/swap-account.command.js'), { ...options, clearPartial: Boolean(options.clearPartial), dryRun: Boolean(options.dryRun) }),
  );

  example(
    withCommonOptions(
      program
        .command('validate-symlinks')
        .description('Check every account home against the shared-state links and report every problem at once (exit 1 while any remains).')
        .option('--fix', 'create missing target dirs and missing links (never rewrites a divergent link or replaces a real file)'),
      { dryRun: false },
    ),
    'claude-failover validate-symlinks',
    'claude-failover validate-symlinks --fix --json',
  ).action((options: CommonFlags & { fix?: boolean }) => execute(() => import('../accounts/validate-symlinks.command.js'), { ...options, fix: Boolean(options.fix) }));

  const hook = program.command('hook').description('Claude Code hooks.');
  example(
    withCommonOptions(
      hook
        .command('stop')
        .description('Claude Code Stop hook: read the hook JSON on stdin and mark the pane\'s session finished. Always exits 0.'),
      { dryRun: false },
    ),
    'claude-failover hook stop   # installed as a Stop hook in <account home>/settings.json (see docs)',
  ).action((options: CommonFlags) => execute(() => import('../sessions/hook-stop.command.js'), { ...options, input: process.stdin }, 'none'));

  const systemd = program.command('systemd').description('systemd user units for this machine\'s config.');
  example(
    withCommonOptions(
      systemd
        .command('install')
        .description(
          'Render the user units for this config (a timer per periodic command, a path unit per inbox), write them to ' +
            '$XDG_CONFIG_HOME/systemd/user, reload systemd and enable them. Warns when lingering is off.',
        ),
      { dryRun: true },
    ),
    'claude-failover systemd install --dry-run   # print the units, change nothing',
    'claude-failover systemd install',
  ).action((options: CommonFlags) =>
    execute(() => import('../operations/systemd.command.js').then((m) => ({ run: m.install, render: m.render })), { ...options, bin, dryRun: Boolean(options.dryRun) }),
  );
  example(
    withCommonOptions(systemd.command('uninstall').description('Disable, stop and remove the units written by `systemd install` (only those).'), { dryRun: true }),
    'claude-failover systemd uninstall',
  ).action((options: CommonFlags) =>
    execute(() => import('../operations/systemd.command.js').then((m) => ({ run: m.uninstall, render: m.render })), { ...options, bin, dryRun: Boolean(options.dryRun) }),
  );

  example(
    withCommonOptions(
      program
        .command('doctor')
        .description(
          'Check everything the tool depends on — Node, tmux, the claude command, the config, every account home and its ' +
            'shared links, the active link, the state file, a stale lock, secutools (key and reachability, when delegation ' +
            'is on), lingering and unit health — and print ok / warning / error with the fix for each. Changes nothing; ' +
            'exits 1 when any check is an error.',
        ),
      { dryRun: false },
    ),
    'claude-failover doctor',
  ).action((options: CommonFlags) => execute(() => import('../operations/doctor.command.js'), options, 'none'));
  example(
    withCommonOptions(
      program
        .command('status')
        .description(
          'One read-only screen: accounts (active, exhausted until), partial-swap flag, last swaps, sessions (state, task, ' +
            'age), queues per project, delegated jobs, counters, last quota detections, lock holder, unit health. ' +
            'Exits 3 while the partial-swap flag is set, so a monitoring check can alert on it.',
        ),
      { dryRun: false },
    ),
    'claude-failover status',
    `claude-failover status --json | jq '.sessions[] | select(.state != "idle")'`,
  ).action((options: CommonFlags) => execute(() => import('../operations/status.command.js'), options));
  return program;
}


/** `bin` is the path of bin/claude-failover.js that started us: the systemd units run exactly that. */
export async function main({ argv, bin }: { argv: string[]; bin: string }): Promise<void> {
  await runProgram(buildProgram(bin), argv);
}
