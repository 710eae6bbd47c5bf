import { describe, expect, it } from 'vitest';
import { FAILPOINTS } from '../../src/base/failpoint.js';
import { ALL_ROWS, QUEUE_ROWS } from './support/failpoint-rows.js';
import { rowTitle, runRow } from './support/failpoint-run.js';

/**
 * Issue 7, item 1: the failpoint matrix. Every named step in FAILPOINTS is reached by at least one row (a step added
 * later without a row fails here); each row kills its command there (SIGKILL, or the row fails), checks that the
 * state file is whole, recovers with `reconcile` + the command again + ordinary passes, and asserts the invariants
 * of test/support/invariants.ts, recorded under 'failpoints exercised'. This file holds the coverage check and the
 * queue rows (scan-inbox with delegation, reap-delegated); failpoint-matrix-sessions and -accounts hold the rest.
 */
describe('the failpoint matrix', () => {
  it('has a row for every failpoint in src/base/failpoint.ts, each naming its command and how it gets there', () => {
    const covered = new Set(ALL_ROWS.map((row) => row.failpoint));
    expect(FAILPOINTS.filter((name) => !covered.has(name))).toEqual([]);
    for (const row of ALL_ROWS) {
      expect(FAILPOINTS as readonly string[]).toContain(row.failpoint);
      expect(row.command.length, rowTitle(row)).toBeGreaterThan(0);
      expect(row.reach.length, rowTitle(row)).toBeGreaterThan(20);
    }
    // Titles tell rows apart in the report (two rows may reach one step by different ways).
    expect(new Set(ALL_ROWS.map(rowTitle)).size).toBe(ALL_ROWS.length);
  });
});

// Each row owns its world (temp HOME, tmux server, fake platform), so rows run side by side.
describe.concurrent('scan-inbox and reap-delegated killed at each step', () => {
  for (const row of QUEUE_ROWS) it(rowTitle(row), async ({ onTestFinished }) => runRow(row, onTestFinished), 120_000);
});
