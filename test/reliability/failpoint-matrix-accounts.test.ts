import { describe, it } from 'vitest';
import { ACCOUNT_ROWS } from './support/failpoint-rows.js';
import { rowTitle, runRow } from './support/failpoint-run.js';

/**
 * The failpoint matrix (see failpoint-matrix.test.ts), account rows: swap-account at each journaled step, the atomic
 * link flip, check-quota's detection, validate-symlinks --fix; two homes on the shared-state contract.
 */
describe.concurrent('swaps and shared links killed at each step', () => {
  for (const row of ACCOUNT_ROWS) it(rowTitle(row), async ({ onTestFinished }) => runRow(row, onTestFinished), 120_000);
});
