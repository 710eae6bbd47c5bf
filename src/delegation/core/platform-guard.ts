/**
 * "The platform is down for this run": once one call finds secutools out of reach as a whole (not one request or
 * job being wrong), the rest of the run does not wait out the deadline on it again — submission falls the remaining
 * tasks back to local runs, reaping leaves the remaining jobs for the next run. One guard per run.
 */
export interface PlatformGuard {
  /** Why the platform counts as down ('unreachable' or 'timeout'), or null while it does not. */
  readonly down: 'unreachable' | 'timeout' | null;
  /** Records what a failed call says of the platform; only the first finding counts. */
  note(errorCode: string): void;
  /** The message for work skipped because of it. */
  skipped(): string;
}

export function platformGuard(): PlatformGuard {
  let down: PlatformGuard['down'] = null;
  return {
    get down() {
      return down;
    },
    note(errorCode) {
      down ??= errorCode === 'secutools-unreachable' ? 'unreachable' : errorCode === 'secutools-timeout' ? 'timeout' : null;
    },
    skipped: () => `secutools is out of reach in this run (${down ?? 'not found down'})`,
  };
}
