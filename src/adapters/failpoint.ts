/**
 * Failpoints (DESIGN §11): `CLAUDE_FAILOVER_FAILPOINT=<name>[,<name>...]` makes the process SIGKILL itself when it
 * reaches the named step, so tests can prove that a kill at that exact instant loses nothing and runs nothing twice.
 * A no-op otherwise. Named steps are listed in FAILPOINTS so a typo in a test is caught, not silently ignored.
 */
export const FAILPOINTS = [
  'scan-inbox:after-read',
  'scan-inbox:after-quarantine',
] as const;

let armed: Set<string> | undefined;

function armedNames(): Set<string> {
  armed ??= new Set((process.env.CLAUDE_FAILOVER_FAILPOINT ?? '').split(',').map((s) => s.trim()).filter(Boolean));
  return armed;
}

export function failpoint(name: (typeof FAILPOINTS)[number]): void {
  if (armedNames().has(name)) process.kill(process.pid, 'SIGKILL');
}
