import type { ResultPromise } from 'execa';

/** Bounded polling for tests: returns the probe's value, or throws after the deadline (never sleep-and-hope). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves when a child process first writes to stdout; fails with its stderr if it exits before that. */
export function firstOutput(child: ResultPromise): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.then(
      (result) => reject(new Error(`the child exited before printing anything: ${String(result.stderr)}`)),
      (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))),
    );
  });
}
