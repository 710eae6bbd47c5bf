import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lastRunFileName, parseLastRun, runResultOf } from '../../../src/operations/core/last-run.js';
import { lastRunDir, readLastRuns, recordLastRun } from '../../../src/operations/last-run.js';
import { tempDir } from '../../support/temp.js';

describe('last-run records', () => {
  it('name the exit codes of the one table', () => {
    expect([0, 1, 2, 3, 75, 137].map(runResultOf)).toEqual(['ok', 'failed', 'usage', 'blocked', 'busy', 'failed']);
  });

  it('one file per command and result, replaced in place, read back sorted; foreign files skipped', async () => {
    const stateDir = await tempDir();
    await recordLastRun(stateDir, { command: 'reconcile', result: 'ok', exitCode: 0, at: '2026-12-02T05:00:00.000Z', durationMs: 12 });
    await recordLastRun(stateDir, { command: 'reconcile', result: 'ok', exitCode: 0, at: '2026-12-02T05:00:30.000Z', durationMs: 15 });
    await recordLastRun(stateDir, { command: 'hook stop', result: 'failed', exitCode: 1, at: '2026-12-02T05:00:10.000Z', durationMs: 3 });
    await writeFile(join(lastRunDir(stateDir), 'garbage.ok.json'), '{"half":');
    expect((await readdir(lastRunDir(stateDir))).sort()).toEqual(['garbage.ok.json', 'hook-stop.failed.json', 'reconcile.ok.json']);
    expect(await readLastRuns(stateDir)).toEqual([
      { command: 'hook stop', result: 'failed', exitCode: 1, at: '2026-12-02T05:00:10.000Z', durationMs: 3 },
      { command: 'reconcile', result: 'ok', exitCode: 0, at: '2026-12-02T05:00:30.000Z', durationMs: 15 },
    ]);
    expect(JSON.parse(await readFile(join(lastRunDir(stateDir), 'reconcile.ok.json'), 'utf8')).durationMs).toBe(15);
    expect(await readLastRuns(join(stateDir, 'never-created'))).toEqual([]);
  });

  it('parse refuses records of the wrong shape', () => {
    expect(lastRunFileName('systemd install', 'busy')).toBe('systemd-install.busy.json');
    expect(parseLastRun('{"command":"x","result":"maybe","exitCode":0,"at":"2026-12-02T05:00:00Z","durationMs":1}')).toBeNull();
    expect(parseLastRun('{"command":"x","result":"ok","exitCode":0,"at":"yesterday","durationMs":1}')).toBeNull();
    expect(parseLastRun('[]')).toBeNull();
  });
});
