import { describe, it } from 'vitest';
import { SESSION_ROWS } from './support/failpoint-rows.js';
import { rowTitle, runRow } from './support/failpoint-run.js';

/** The failpoint matrix (see failpoint-matrix.test.ts), dispatch and reconcile rows: two pool sessions, two tasks. */
describe.concurrent('dispatch and reconcile killed at each step', () => {
  for (const row of SESSION_ROWS) it(rowTitle(row), async ({ onTestFinished }) => runRow(row, onTestFinished), 120_000);
});
