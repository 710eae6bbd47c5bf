import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../../src/base/process.js';
import { CLAUDE_FAILOVER_BIN, claudeFailover } from '../../support/cli.js';
import { checkQuotaRunsEnded, fakeSystemdRun, paneOf, stopFailurePayload, transcriptIn } from '../../support/hooks.js';
import { makeRig, waitFor, type Rig } from '../../support/sessions.js';

/**
 * `hook stop-failure` as Claude Code runs it: the built CLI in a real tmux pane of a pool session, the hook JSON on
 * stdin. It records the failed turn and, for a usage limit or a failed login, starts check-quota without waiting
 * for it: detached here (no user manager), or through systemd-run where one answers (a stand-in records the call).
 */

const hook = (rig: Rig, env: NodeJS.ProcessEnv, input: string) =>
  claudeFailover(['hook', 'stop-failure', '--json', '--config', rig.configPath], { env: { ...rig.env, ...env }, input });

async function failedTurn(rig: Rig, error: string) {
  const env = await paneOf(rig, 'ccl-auto-11');
  const sessionId = randomUUID();
  const transcriptPath = await transcriptIn(join(rig.home, '.claude-main'), sessionId);
  return { env, sessionId, transcriptPath, input: stopFailurePayload({ sessionId, transcriptPath, error, message: `API Error \u001b[31m${error}` }) };
}

const signalFile = (rig: Rig, session: string) => join(rig.home, 'state', 'signals', `${session}.failed`);
const logFile = (rig: Rig) => join(rig.home, 'state', 'check-quota-now.log');

describe('hook stop-failure', () => {
  it('records a failed turn that is not the account’s fault and starts nothing', async () => {
    const rig = await makeRig();
    const turn = await failedTurn(rig, 'invalid_request');
    const run = await hook(rig, turn.env, turn.input);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ written: true, session: 'ccl-auto-11', error: 'invalid_request', checkQuota: null, reason: null });
    const signal = JSON.parse(await readFile(signalFile(rig, 'ccl-auto-11'), 'utf8'));
    expect(signal).toEqual({
      session: 'ccl-auto-11', at: expect.any(String), pane: turn.env.TMUX_PANE, sessionId: turn.sessionId, transcriptPath: turn.transcriptPath,
      cwd: '/home/op/src/proj', error: 'invalid_request', message: 'API Error \\x1b[31minvalid_request',
    });
    expect(Date.parse(signal.at)).not.toBeNaN();
    expect((await stat(signalFile(rig, 'ccl-auto-11'))).mode & 0o777).toBe(0o600);
    await expect(stat(logFile(rig))).rejects.toThrow(/ENOENT/);
  });

  it.each(['rate_limit', 'authentication_failed'])('%s: starts check-quota as a detached process and returns at once', async (error) => {
    const rig = await makeRig();
    const turn = await failedTurn(rig, error);
    const run = await hook(rig, turn.env, turn.input);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ written: true, error, checkQuota: { via: 'detached', unit: null, pid: expect.any(Number), log: logFile(rig) } });
    // The hook is gone; the run it started goes on by itself and writes its report to the log.
    await waitFor('the detached check-quota to end', async () => !processAlive(result.checkQuota.pid));
    const log = await readFile(logFile(rig), 'utf8');
    expect(log).toMatch(new RegExp(`^--- \\S+ check-quota started by hook stop-failure \\(ccl-auto-11: ${error}\\)\\n`));
    // An ordinary run of this config: it read the pool session the hook ran in (a shell here, so no limit on its
    // screen) and the signal the hook wrote: a failed login swaps at once, a rate_limit signal alone does not.
    if (error === 'rate_limit') {
      expect(log).toMatch(/account main: none/);
      expect(log).toMatch(/ccl-auto-11\s+pool\s+clear/);
    } else {
      expect(log).toMatch(/account main: swap — ccl-auto-11: the login of the account failed/);
      expect(log).toMatch(/ccl-auto-11\s+pool\s+login-failed/);
    }
    expect((await stat(logFile(rig))).mode & 0o777).toBe(0o600);
  });

  it('under a user manager: a transient unit through systemd-run, running this bin with this config', async () => {
    const rig = await makeRig();
    const turn = await failedTurn(rig, 'rate_limit');
    const systemd = await fakeSystemdRun(join(rig.home, 'systemd'));
    const run = await hook(rig, { ...turn.env, PATH: systemd.path, XDG_RUNTIME_DIR: systemd.runtimeDir }, turn.input);
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.checkQuota).toEqual({ via: 'systemd-run', unit: expect.stringMatching(/^claude-failover-check-quota-now-\d+-\d+$/), pid: null, log: null });
    const args = (await readFile(systemd.argsFile, 'utf8')).trim().split('\n');
    expect(args).toEqual([
      '--user', '--no-block', '--collect', '--quiet', `--unit=${result.checkQuota.unit}`, '--service-type=oneshot',
      '-p', 'SuccessExitStatus=75', '-p', 'TimeoutStartSec=10min', '-p', 'SyslogIdentifier=claude-failover-check-quota',
      '-p', `EnvironmentFile=-${join(rig.home, 'env')}`, `--setenv=CLAUDE_FAILOVER_CONFIG=${rig.configPath}`,
      process.execPath, '--max-semi-space-size=2', CLAUDE_FAILOVER_BIN, 'check-quota', '--config', rig.configPath,
    ]);
    await expect(stat(logFile(rig))).rejects.toThrow(/ENOENT/);
  });

  it('a user manager that does not answer: systemd-run fails, the run starts detached instead', async () => {
    const rig = await makeRig();
    const turn = await failedTurn(rig, 'rate_limit');
    const systemd = await fakeSystemdRun(join(rig.home, 'systemd'), 1);
    const run = await hook(rig, { ...turn.env, PATH: systemd.path, XDG_RUNTIME_DIR: systemd.runtimeDir }, turn.input);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toMatch(/systemd-run could not start check-quota \(Failed to connect to bus: No medium found\); starting it as a detached process/);
    expect(JSON.parse(run.stdout).checkQuota).toMatchObject({ via: 'detached', pid: expect.any(Number) });
    await checkQuotaRunsEnded(rig.configPath);
  });

  it('a dedicated session is recorded too; the operator’s other sessions are not', async () => {
    const rig = await makeRig({ dedicated: [{ session: 'ccl-1-demo', project: '/tmp' }] });
    const sessionId = randomUUID();
    const transcriptPath = await transcriptIn(join(rig.home, '.claude-main'), sessionId);
    const input = stopFailurePayload({ sessionId, transcriptPath, error: 'server_error' });
    expect(JSON.parse((await hook(rig, await paneOf(rig, 'ccl-1-demo'), input)).stdout)).toMatchObject({ written: true, session: 'ccl-1-demo' });
    const other = await hook(rig, await paneOf(rig, 'ccl-0'), input);
    expect(other.exitCode).toBe(0);
    expect(JSON.parse(other.stdout)).toMatchObject({ written: false, session: 'ccl-0', reason: expect.stringContaining('neither a pool nor a dedicated session') });
    await expect(stat(signalFile(rig, 'ccl-0'))).rejects.toThrow(/ENOENT/);
  });
});
