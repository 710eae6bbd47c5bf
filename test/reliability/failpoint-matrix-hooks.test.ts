import { describe, it } from 'vitest';
import { HOOK_ROWS } from './support/failpoint-rows-hooks.js';
import { rowTitle, runRow } from './support/failpoint-run.js';

/**
 * The failpoint matrix (see failpoint-matrix.test.ts), hook rows: `hook install` killed between two homes'
 * settings.json, `hook stop-failure` killed after recording a usage limit and before starting check-quota.
 */
describe.concurrent('hooks killed at each step', () => {
  for (const row of HOOK_ROWS) it(rowTitle(row), async ({ onTestFinished }) => runRow(row, onTestFinished), 120_000);
});
