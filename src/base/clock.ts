/**
 * The clock port every command receives (ctx.clock). Wall time is what state, footers and reset times speak;
 * elapsed time and deadlines use a monotonic source, so a wall clock stepped by NTP can neither cut a wait short nor
 * stretch it. Waits go through `sleep` so that a test can drive them.
 */

export interface Clock {
  now(): Date;
  monotonicMs(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/**
 * Asks `probe` every `intervalMs` until it answers something other than undefined, or `timeoutMs` has passed (then
 * undefined). Bounded in time, and so in count.
 */
export async function pollUntil<T>(clock: Clock, timeoutMs: number, intervalMs: number, probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = clock.monotonicMs() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.monotonicMs() + intervalMs > deadline) return undefined;
    await clock.sleep(intervalMs);
  }
}
