import { mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/base/lock.js';
import { createMemoryLog } from '../../../src/base/log.js';
import { exitCode, render, run } from '../../../src/accounts/validate-symlinks.command.js';
import { plainStyle } from '../../../src/base/core/format.js';
import { ENTRIES } from '../../support/accounts.js';
import { makeTestContext } from '../../support/context.js';
import { tempDir } from '../../support/temp.js';

async function homes() {
  const home = await tempDir();
  const ctx = makeTestContext({ home });
  const shared = join(home, '.claude-shared');
  const main = join(home, '.claude-main');
  const backup = join(home, '.claude-backup');
  await mkdir(main);
  await mkdir(backup);
  return { home, ctx, shared, main, backup };
}

describe('validate-symlinks run', () => {
  it('without --fix: reports every problem, changes nothing, exits 1', async () => {
    const { ctx, home, main } = await homes();
    await symlink('/elsewhere', join(main, 'projects'));
    const result = await run({ fix: false }, ctx);
    expect(result.problems.map((p) => p.kind)).toEqual([
      ...ENTRIES.map(() => 'missing-target'),
      'divergent-link',
      'missing-link',
      'missing-link',
      ...ENTRIES.map(() => 'missing-link'),
    ]);
    expect(result.problems.every((p) => p.fixed === false)).toBe(true);
    expect(result.remaining).toBe(9);
    expect(result.fixes).toEqual([]);
    expect(exitCode(result)).toBe(1);
    expect((await readdir(home)).sort()).toEqual(['.claude-backup', '.claude-main']); // no state dir, no shared root
    expect(render(result, plainStyle)).toMatch(/9 problems \(8 fixable with --fix\)/);
    expect(render(result, plainStyle)).toMatch(/fix by hand: .*projects points to \/elsewhere/);
  });

  it('--fix repairs everything fixable, marks each problem, and exits 0 when nothing remains', async () => {
    const { ctx, shared, main, backup } = await homes();
    const result = await run({ fix: true }, ctx);
    expect(result.problems).toHaveLength(9);
    expect(result.problems.every((p) => p.fixed)).toBe(true);
    expect(result.remaining).toBe(0);
    expect(exitCode(result)).toBe(0);
    for (const home of [main, backup]) {
      for (const entry of ENTRIES) expect(await readlink(join(home, entry))).toBe(join(shared, entry));
    }
    expect(ctx.logLines.filter((l) => l.level === 'info').map((l) => l.message)).toContain(`linked ${join(main, 'projects')} → ${join(shared, 'projects')}`);
    // A clean run afterwards: nothing to report.
    const again = await run({ fix: false }, ctx);
    expect(again.problems).toEqual([]);
    expect(render(again, plainStyle)).toMatch(/every home follows the shared-state contract/);
  });

  it('--fix leaves what only an operator may decide, and exits 1', async () => {
    const { ctx, backup } = await homes();
    await mkdir(join(backup, 'session-env'));
    const result = await run({ fix: true }, ctx);
    const open = result.problems.filter((p) => !p.fixed);
    expect(open).toEqual([expect.objectContaining({ kind: 'not-a-link', account: 'backup', entry: 'session-env', fixed: false })]);
    expect(result.remaining).toBe(1);
    expect(exitCode(result)).toBe(1);
    expect(render(result, plainStyle)).toMatch(/9 problems, 8 fixed, 1 remaining/);
  });

  it('reports the active link and which account it names', async () => {
    const { ctx, home } = await homes();
    await symlink('.claude-backup', join(home, '.claude'));
    const result = await run({ fix: false }, ctx);
    expect(result.activeLink).toEqual({ path: join(home, '.claude'), state: 'symlink', target: '.claude-backup', account: 'backup' });
  });

  it('--fix waits for the state lock (a swap flips links too) and gives up with exit 75', async () => {
    const { ctx, shared } = await homes();
    const held = await acquireLock({ stateDir: ctx.paths.stateDir, command: 'swap-account', log: createMemoryLog() });
    try {
      await expect(run({ fix: true }, ctx)).rejects.toMatchObject({ exitCode: 75, code: 'locked' });
      await expect(readdir(shared)).rejects.toMatchObject({ code: 'ENOENT' }); // nothing was fixed
    } finally {
      await held.release();
    }
  });

  it('the result is plain JSON', async () => {
    const { ctx } = await homes();
    const result = await run({ fix: true }, ctx);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
