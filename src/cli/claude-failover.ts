import type { Context } from '../context.js';
import { command, commonOptions, type ProgramSpec } from './command-spec.js';
import type { CommandModule } from './frame.js';
import { runTable } from './wire.js';

/**
 * The `claude-failover` commands, as data (cli/wire.ts makes commander of it). Each entry names the module that
 * runs it; modules load on first use, so a timer's `reconcile` never pays for `doctor`.
 */
export const CLAUDE_FAILOVER: ProgramSpec = {
  name: 'claude-failover',
  version: '0.1.0',
  description: 'Keeps a fleet of Claude Code sessions in tmux working unattended: task queue, delegation, account failover.',
  epilogue:
    '\nExit codes: 0 done (also "nothing to do"), 1 failed, 2 usage or config error, 3 blocked (partial swap set or\n' +
    'every account exhausted), 75 another run holds the lock (try later).\n',
  groups: [
    { name: 'hook', summary: 'Claude Code hooks.' },
    { name: 'systemd', summary: "systemd user units for this machine's config." },
  ],
  commands: [
    command({
      name: 'scan-inbox',
      summary: 'Find new tasks in every project inbox, validate and route them; quarantine invalid ones to failed/ with the reason.',
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover scan-inbox --json', 'claude-failover scan-inbox --dry-run   # report routes, move nothing'],
      load: () => import('../queue/scan-inbox.command.js'),
      runOptions: commonOptions,
    }),
    command({
      name: 'dispatch',
      summary: 'Give local tasks (critical > high > default > low, then oldest) to free pool sessions, one task each, launched in parallel.',
      options: [
        {
          flags: '--scan',
          description:
            'run scan-inbox first, and repeat scan + dispatch while new task files keep arriving (at most 5 passes); what the systemd path units run',
          conflicts: ['dryRun'],
        },
      ],
      dryRun: true,
      needs: 'config',
      examples: [
        'claude-failover dispatch',
        'claude-failover dispatch --dry-run   # show which task would go to which session',
        'claude-failover dispatch --scan      # scan the inboxes, then dispatch, until nothing new arrives',
      ],
      // `--scan` is the same command run as scan + dispatch passes: another module, the same options.
      load: async ({ flags }): Promise<CommandModule<{ dryRun: boolean }, unknown, Context>> =>
        flags.scan ? import('../queue/scan-and-dispatch.command.js') : import('../sessions/dispatch.command.js'),
      runOptions: commonOptions,
    }),
    command({
      name: 'reap-delegated',
      summary:
        'Poll every delegated secutools job; move completed ones to done/ and failed, cancelled or timed-out ones to failed/ (exit 1 while a job cannot be polled).',
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover reap-delegated', 'claude-failover reap-delegated --dry-run --json   # poll and report, move nothing'],
      load: () => import('../delegation/reap-delegated.command.js'),
      runOptions: commonOptions,
    }),
    command({
      name: 'reconcile',
      summary: 'Lifecycle pass: create missing pool sessions, detect finished tasks, recycle, mark stalled, recover crashes, finish killed swaps.',
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover reconcile', 'claude-failover reconcile --dry-run --json   # judge every session, change nothing'],
      load: () => import('../sessions/reconcile.command.js'),
      runOptions: commonOptions,
    }),
    command({
      name: 'check-quota',
      summary:
        'Read every pool and dedicated session, decide whether the active account is exhausted, and swap unless --no-swap ' +
        '(exit 3 when the swap is blocked: partial swap set or every account exhausted; 1 when it failed and was rolled back).',
      options: [{ flags: '--no-swap', description: 'detect and report only; never swap' }],
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover check-quota --json', 'claude-failover check-quota --no-swap   # report verdicts, mark the account, never swap'],
      load: () => import('../quota/check-quota.command.js'),
      runOptions: ({ flags }) => ({ swap: flags.swap !== false, dryRun: Boolean(flags.dryRun) }),
    }),
    command({
      name: 'swap-account',
      summary:
        'Move all work from the active account to another: save resume ids, stop the configured sessions, flip ~/.claude, ' +
        'resume conversations. Rolled back on failure (exit 1); refused while the partial-swap flag is set (exit 3).',
      options: [
        { flags: '--to <name>', description: 'target account (default: the next one in order that is not exhausted)' },
        { flags: '--clear-partial', description: 'clear the sticky partial-swap flag after an operator has repaired the homes (swaps only with --to)' },
      ],
      dryRun: true,
      needs: 'config',
      examples: [
        'claude-failover swap-account --dry-run   # which account, which sessions, which conversations',
        'claude-failover swap-account --to backup',
        'claude-failover swap-account --clear-partial',
      ],
      load: () => import('../swap/swap-account.command.js'),
      runOptions: ({ flags }) => ({ to: flags.to as string | undefined, clearPartial: Boolean(flags.clearPartial), dryRun: Boolean(flags.dryRun) }),
    }),
    command({
      name: 'validate-symlinks',
      summary: 'Check every account home against the shared-state links and report every problem at once (exit 1 while any remains).',
      options: [{ flags: '--fix', description: 'create missing target dirs and missing links (never rewrites a divergent link or replaces a real file)' }],
      dryRun: false,
      needs: 'config',
      examples: ['claude-failover validate-symlinks', 'claude-failover validate-symlinks --fix --json'],
      load: () => import('../accounts/validate-symlinks.command.js'),
      runOptions: ({ flags }) => ({ fix: Boolean(flags.fix) }),
    }),
    command({
      name: 'hook stop',
      summary: "Claude Code Stop hook: read the hook JSON on stdin and mark the pane's session finished. Always exits 0.",
      dryRun: false,
      needs: 'none',
      examples: ['claude-failover hook stop   # installed as a Stop hook by `claude-failover hook install`'],
      load: () => import('../sessions/hook-stop.command.js'),
      runOptions: ({ flags, stdin }) => ({ config: flags.config, input: stdin }),
    }),
    command({
      name: 'hook stop-failure',
      summary:
        "Claude Code StopFailure hook: read the hook JSON on stdin, record the pane's failed turn (signals/<session>.failed) " +
        'and, for a usage limit or a failed login, start check-quota at once (systemd-run, else a detached process). Always exits 0.',
      dryRun: false,
      needs: 'none',
      examples: ['claude-failover hook stop-failure   # installed as a StopFailure hook by `claude-failover hook install`'],
      load: () => import('../sessions/hook-stop-failure.command.js'),
      runOptions: ({ flags, stdin, bin }) => ({ config: flags.config, input: stdin, bin }),
    }),
    command({
      name: 'hook install',
      summary:
        "Merge the tool's Stop and StopFailure hooks into every account home's settings.json (atomic, mode and the " +
        "operator's own settings and hooks kept). Exit 1 when a settings.json is broken: it is named and left untouched.",
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover hook install --dry-run   # show what would change in each settings.json', 'claude-failover hook install'],
      load: () => import('../operations/hooks.command.js').then((m) => ({ run: m.install, render: m.render, exitCode: m.exitCode })),
      runOptions: ({ flags, bin }) => ({ dryRun: Boolean(flags.dryRun), bin }),
    }),
    command({
      name: 'hook uninstall',
      summary: "Remove the tool's hooks (only those) from every account home's settings.json; everything else stays as it was.",
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover hook uninstall'],
      load: () => import('../operations/hooks.command.js').then((m) => ({ run: m.uninstall, render: m.render, exitCode: m.exitCode })),
      runOptions: ({ flags, bin }) => ({ dryRun: Boolean(flags.dryRun), bin }),
    }),
    command({
      name: 'systemd install',
      summary:
        'Render the user units for this config (a timer per periodic command, a path unit per inbox), write them to ' +
        '$XDG_CONFIG_HOME/systemd/user, reload systemd and enable them. Warns when lingering is off.',
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover systemd install --dry-run   # print the units, change nothing', 'claude-failover systemd install'],
      load: () => import('../operations/systemd.command.js').then((m) => ({ run: m.install, render: m.render })),
      runOptions: ({ flags, bin }) => ({ dryRun: Boolean(flags.dryRun), bin }),
    }),
    command({
      name: 'systemd uninstall',
      summary: 'Disable, stop and remove the units written by `systemd install` (only those).',
      dryRun: true,
      needs: 'config',
      examples: ['claude-failover systemd uninstall'],
      load: () => import('../operations/systemd.command.js').then((m) => ({ run: m.uninstall, render: m.render })),
      runOptions: ({ flags, bin }) => ({ dryRun: Boolean(flags.dryRun), bin }),
    }),
    command({
      name: 'init',
      summary:
        'First run: find the account homes, the active link, the pool and dedicated sessions and the project queues on this ' +
        'machine, write a commented config (mode 0600; never over an existing one: exit 2) and say what validate-symlinks --fix ' +
        'and hook install would do next. Asks on a terminal; without one it only shows the config and exits 2 unless --yes.',
      options: [
        { flags: '--yes', description: 'write without asking (for scripts)' },
        { flags: '--tmux-socket <name>', description: 'look at the tmux server `tmux -L <name>` (and configure it) instead of the default one' },
      ],
      dryRun: true,
      needs: 'none',
      examples: ['claude-failover init', 'claude-failover init --dry-run   # show the config it would write', 'claude-failover init --yes --json'],
      load: () => import('../operations/init.command.js'),
      runOptions: ({ flags }) => ({
        config: flags.config,
        yes: Boolean(flags.yes),
        dryRun: Boolean(flags.dryRun),
        tmuxSocket: flags.tmuxSocket as string | undefined,
        // Asked only where someone can answer: a terminal on both ends, and not a --json run.
        ask: !flags.json && process.stdin.isTTY && process.stdout.isTTY ? (question: string) => import('../operations/init.command.js').then((m) => m.askOnTerminal(question)) : null,
      }),
    }),
    command({
      name: 'metrics',
      summary:
        "The fleet's state as OpenMetrics text on stdout (tasks per queue state, sessions, accounts, swaps, delegation, " +
        'last run of every command); with --textfile, written atomically for node_exporter. Reads only files: no tmux call, no lock.',
      options: [
        {
          flags: '--textfile <path>',
          description: "write the metrics to this *.prom file (temp file + rename, mode 0644) for node_exporter's textfile collector instead of stdout",
        },
      ],
      dryRun: false,
      needs: 'config',
      examples: [
        'claude-failover metrics',
        'claude-failover metrics --textfile /var/lib/node_exporter/textfile_collector/claude-failover.prom',
      ],
      load: () => import('../operations/metrics.command.js'),
      runOptions: ({ flags }) => ({ textfile: flags.textfile as string | undefined }),
    }),
    command({
      name: 'doctor',
      summary:
        'Check everything the tool depends on — Node, tmux, the claude command, the config, every account (home, login ' +
        'failed since, credentials, login expiry) and its shared links, the active link, the state file, a stale lock, ' +
        'secutools (key and reachability, when delegation is on), lingering and unit health, the tool hooks in every ' +
        'account home — and print ok / warning / error with the fix for each. Changes nothing; ' +
        'exits 1 when any check is an error.',
      dryRun: false,
      needs: 'none',
      examples: ['claude-failover doctor'],
      load: () => import('../operations/doctor.command.js'),
      runOptions: ({ flags, bin }) => ({ config: flags.config, bin }),
    }),
    command({
      name: 'status',
      summary:
        'One read-only screen: accounts (active, exhausted until, login), partial-swap flag, last swaps, sessions (state, task, ' +
        'age), queues per project, delegated jobs, counters, last quota detections, lock holder, unit health. ' +
        'Exits 3 while the partial-swap flag is set, so a monitoring check can alert on it.',
      dryRun: false,
      needs: 'config',
      examples: ['claude-failover status', `claude-failover status --json | jq '.sessions[] | select(.state != "idle")'`],
      load: () => import('../operations/status.command.js'),
      runOptions: () => ({}),
    }),
  ],
};

/** `bin` is the path of bin/claude-failover.js that started us: the systemd units run exactly that. */
export async function main({ argv, bin }: { argv: string[]; bin: string }): Promise<void> {
  await runTable(CLAUDE_FAILOVER, argv, bin);
}
