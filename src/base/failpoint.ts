/**
 * Failpoints: `CLAUDE_FAILOVER_FAILPOINT=<name>[,<name>...]` makes the process SIGKILL itself when it
 * reaches the named step, so tests can prove that a kill at that exact instant loses nothing and runs nothing twice.
 * A no-op otherwise. Named steps are listed in FAILPOINTS so a typo in a test is caught, not silently ignored.
 */

export const FAILPOINTS = [
  'scan-inbox:after-read',
  'scan-inbox:after-quarantine',
  // delegation: submission inside scan-inbox, then reaping
  'scan-inbox:after-intent',
  'scan-inbox:after-post',
  'scan-inbox:after-marker',
  'scan-inbox:after-fallback-marker',
  'reap-delegated:after-record',
  'reap-delegated:after-move',
  'reap-delegated:after-result',
  'reap-delegated:after-unmark',
  // sessions: dispatch launch steps, then reconcile's lifecycle steps
  'dispatch:after-intent',
  'dispatch:after-claim',
  'dispatch:after-launch-command',
  'dispatch:after-prompt',
  'dispatch:after-paste',
  'dispatch:after-enter',
  'dispatch:after-commit',
  'reconcile:after-finish-move',
  'reconcile:after-exit',
  'reconcile:after-requeue',
  'reconcile:after-failed-turn-requeue',
  'reconcile:after-create',
  // accounts: shared-state fixes, and the atomic link flip used by swap-account
  'validate-symlinks:after-mkdir',
  'validate-symlinks:after-link',
  'symlink-replace:after-temp-link',
  // accounts: each journaled step of a swap (swap-account, or check-quota's swap, or reconcile's
  // recovery of a killed one)
  'swap-account:after-journal',
  'swap-account:after-resume-ids',
  'swap-account:after-stop',
  'swap-account:after-flip',
  'swap-account:after-links',
  'swap-account:after-commit',
  'swap-account:after-pool',
  'swap-account:after-dedicated-launch',
  'swap-account:after-rollback-flip',
  'check-quota:after-detection',
  // hooks: a settings.json written by hook install / uninstall; a failed turn recorded by hook stop-failure, the
  // immediate check-quota not yet started
  'hook-settings:after-write',
  'hook-stop-failure:after-signal',
] as const;

let armed: Set<string> | undefined;

function armedNames(): Set<string> {
  armed ??= new Set((process.env.CLAUDE_FAILOVER_FAILPOINT ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  return armed;
}

export function failpoint(name: (typeof FAILPOINTS)[number]): void {
  if (armedNames().has(name)) process.kill(process.pid, 'SIGKILL');
}
