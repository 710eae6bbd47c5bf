import { describe, expect, it } from 'vitest';
import { pollUntil, type Clock } from '../../../src/base/clock.js';

/** A clock whose waits pass at once and advance its time: a poll of minutes runs in microseconds. */
function virtualClock(): Clock & { slept: number[] } {
  let ms = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(Date.parse('2026-11-21T12:00:00Z') + ms),
    monotonicMs: () => ms,
    sleep: async (wait) => {
      slept.push(wait);
      ms += wait;
    },
  };
}

describe('pollUntil', () => {
  it('asks until the probe answers, sleeping through the clock between asks', async () => {
    const clock = virtualClock();
    let asked = 0;
    const value = await pollUntil(clock, 60_000, 250, async () => (++asked === 4 ? 'ready' : undefined));
    expect(value).toBe('ready');
    expect(clock.slept).toEqual([250, 250, 250]);
  });

  it('gives up at the deadline without sleeping past it, bounded in count', async () => {
    const clock = virtualClock();
    let asked = 0;
    const value = await pollUntil(clock, 1000, 300, async () => void asked++);
    expect(value).toBeUndefined();
    expect(asked).toBe(4); // at 0, 300, 600 and 900 ms; a fifth ask would start past the deadline
    expect(clock.monotonicMs()).toBe(900);
  });
});
