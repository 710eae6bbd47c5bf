import { execa } from 'execa';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TmuxError, createTmux, socketPathFromTmuxEnv, type Tmux } from '../../../src/sessions/tmux.js';
import { FailoverError } from '../../../src/base/core/errors.js';
import { removeSocketFile, uniqueSocket, waitFor } from '../../support/sessions.js';
import { tempDir } from '../../support/temp.js';

// The shells of these servers get a HOME of their own: the operator's ~/.bashrc (pyenv init, prompts) must neither
// slow them down nor be touched when a test kills a shell mid-start.
const HOME = mkdtempSync(join(tmpdir(), 'cf-tmux-home-'));
afterAll(() => rmSync(HOME, { recursive: true, force: true }));

const servers: Array<{ tmux: Tmux; socket: string }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map(async ({ tmux, socket }) => {
    await tmux.killServer();
    await removeSocketFile(socket);
  }));
});

function server(extra: Partial<Parameters<typeof createTmux>[0]> = {}): Tmux {
  const socket = extra.socket ?? uniqueSocket();
  const tmux = createTmux({ env: { HOME }, ...extra, socket });
  servers.push({ tmux, socket });
  return tmux;
}

async function failure(promise: Promise<unknown>): Promise<FailoverError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(FailoverError);
  return error as FailoverError;
}

/** The text a shell printed in a pane, once it is there. */
const paneShows = (tmux: Tmux, session: string, text: string) =>
  waitFor(`${session} to show ${text}`, async () => (await tmux.capture(session)).includes(text));

describe('tmux adapter on a private server', () => {
  it('no server: an empty list, has-session false, kill false', async () => {
    const tmux = server();
    expect(await tmux.listSessions()).toEqual([]);
    expect(await tmux.hasSession('ccl-auto-11')).toBe(false);
    expect(await tmux.killSession('ccl-auto-11')).toBe(false);
    expect((await failure(tmux.capture('ccl-auto-11'))).code).toBe(TmuxError.noServer);
  });

  it('creates sessions in a working dir with a fixed size, lists and kills them', async () => {
    const tmux = server();
    const dir = await tempDir();
    await tmux.newSession('ccl-auto-11', { cwd: dir, width: 120, height: 30 });
    expect(await tmux.listSessions()).toEqual(['ccl-auto-11']);
    expect(await tmux.displayMessage('=ccl-auto-11:', '#{pane_current_path} #{window_width}x#{window_height}')).toBe(`${dir} 120x30`);
    expect((await failure(tmux.newSession('ccl-auto-11', { cwd: dir }))).code).toBe(TmuxError.duplicate);
    expect(await tmux.killSession('ccl-auto-11')).toBe(true);
    expect(await tmux.killSession('ccl-auto-11')).toBe(false);
  });

  it('creates and kills many sessions in one call each; a chain broken by one session is finished one by one', async () => {
    const tmux = server();
    const dir = await tempDir();
    await tmux.newSessions(['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13'].map((name) => ({ name, cwd: dir })));
    expect((await tmux.listSessions()).sort()).toEqual(['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13']);
    // ccl-auto-12 exists already: the chained call stops at it, the others are still created.
    await tmux.killSession('ccl-auto-11');
    await tmux.newSessions(['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-14'].map((name) => ({ name, cwd: dir })));
    expect((await tmux.listSessions()).sort()).toEqual(['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13', 'ccl-auto-14']);
    // ccl-auto-15 is not there: the other three still go, and ccl-auto-1 (a prefix) is never matched.
    await tmux.newSession('ccl-auto-1', { cwd: dir });
    await tmux.killSessions(['ccl-auto-15', 'ccl-auto-11', 'ccl-auto-12', 'ccl-auto-13']);
    expect((await tmux.listSessions()).sort()).toEqual(['ccl-auto-1', 'ccl-auto-14']);
  });

  it('targets are exact: ccl-auto-1 never reaches ccl-auto-11', async () => {
    const tmux = server();
    const dir = await tempDir();
    await tmux.newSession('ccl-auto-11', { cwd: dir });
    expect(await tmux.hasSession('ccl-auto-1')).toBe(false);
    expect(await tmux.killSession('ccl-auto-1')).toBe(false);
    expect((await failure(tmux.sendText('ccl-auto-1', 'echo wrong'))).code).toBe(TmuxError.sessionGone);
    expect((await failure(tmux.capture('ccl-auto-1'))).code).toBe(TmuxError.sessionGone);
    expect(await tmux.listSessions()).toEqual(['ccl-auto-11']);
    expect(await tmux.capture('ccl-auto-11')).not.toContain('wrong');
  });

  it('types literal text (no key names) and pastes via stdin, intact', async () => {
    const tmux = server();
    const dir = await tempDir();
    await tmux.newSession('s', { cwd: dir });
    // `Enter` as literal text must not press Enter; the real Enter key comes separately.
    await tmux.sendText('s', 'cat > out.txt # Enter C-c');
    await tmux.sendKeys('s', 'Enter');
    const text = 'line "one" $HOME `id`;\nzwei ünï 日本\n';
    await tmux.paste('s', text);
    await tmux.sendKeys('s', 'C-d');
    await waitFor('out.txt', async () => (await readFile(join(dir, 'out.txt'), 'utf8').catch(() => '')).includes('日本'));
    // tmux pastes newlines as CR; the terminal's line discipline turns them back into LF for cat.
    expect((await readFile(join(dir, 'out.txt'), 'utf8')).replace(/\r/g, '\n')).toBe(text);
  });

  it('captures many sessions in one call, each pane under its own name; a vanished one maps to null', async () => {
    const tmux = server();
    const dir = await tempDir();
    const names = Array.from({ length: 20 }, (_, i) => `ccl-auto-${11 + i}`);
    for (const name of names) {
      await tmux.newSession(name, { cwd: dir });
      await tmux.sendText(name, `echo pane-of-${name}-end`);
      await tmux.sendKeys(name, 'Enter');
    }
    for (const name of names) await paneShows(tmux, name, `\npane-of-${name}-end`);
    await tmux.killSession('ccl-auto-15');
    const captured = await tmux.captureMany([...names, 'ccl-auto-1']);
    for (const name of names.filter((n) => n !== 'ccl-auto-15')) {
      const text = captured.get(name);
      expect(text).toContain(`\npane-of-${name}-end`);
      expect(text?.match(/\npane-of-/g)).toHaveLength(1);
    }
    expect(captured.get('ccl-auto-15')).toBeNull();
    expect(captured.get('ccl-auto-1')).toBeNull();
  });

  it('inspectMany also reports each pane\'s foreground command', async () => {
    const tmux = server();
    const dir = await tempDir();
    await tmux.newSession('idle', { cwd: dir });
    await tmux.newSession('running', { cwd: dir });
    await tmux.sendText('running', 'sleep 30');
    await tmux.sendKeys('running', 'Enter');
    await waitFor('sleep in the foreground', async () => (await tmux.inspectMany(['running'])).get('running')?.command === 'sleep');
    const panes = await tmux.inspectMany(['idle', 'running', 'gone']);
    expect(panes.get('idle')?.command).toMatch(/sh$/);
    expect(panes.get('running')).toMatchObject({ command: 'sleep', text: expect.stringContaining('sleep 30') });
    expect(panes.get('gone')).toBeNull();
  });

  it('sendLine with reset clears the screen first, so an old prompt cannot be read again', async () => {
    const tmux = server();
    await tmux.newSession('s', { cwd: await tempDir() });
    await tmux.sendText('s', 'echo OLD-SCREEN');
    await tmux.sendKeys('s', 'Enter');
    await paneShows(tmux, 's', '\nOLD-SCREEN');
    await tmux.sendLine('s', 'echo NEW-SCREEN', { reset: true });
    await paneShows(tmux, 's', '\nNEW-SCREEN');
    expect(await tmux.capture('s')).not.toContain('OLD-SCREEN');
  });

  it('tmux missing and a hanging tmux are classified', async () => {
    expect((await failure(createTmux({ socket: 'x', env: {}, command: '/nonexistent/tmux' }).listSessions())).code).toBe(TmuxError.missing);
    const dir = await tempDir();
    const hang = join(dir, 'tmux');
    await writeFile(hang, '#!/bin/sh\nexec sleep 30\n');
    await chmod(hang, 0o755);
    expect((await failure(createTmux({ socket: 'x', env: {}, command: hang, timeoutMs: 300 }).listSessions())).code).toBe(TmuxError.timeout);
  });

  it('under systemd, sessions are created through systemd-run --user --scope', async () => {
    const dir = await tempDir();
    const log = join(dir, 'systemd-run.log');
    // A stand-in systemd-run: records its arguments, then runs the command after its own options.
    const fake = join(dir, 'systemd-run');
    await writeFile(fake, `#!/bin/sh\necho "$@" > '${log}'\nwhile [ "\${1#--}" != "$1" ]; do shift; done\nexec "$@"\n`);
    await chmod(fake, 0o755);
    const tmux = server({ env: { INVOCATION_ID: 'abc', HOME }, systemdRun: fake });
    await tmux.newSession('ccl-auto-11', { cwd: dir });
    expect(await readFile(log, 'utf8')).toMatch(/^--user --scope --quiet tmux -L cf-test-\S+ new-session -d -s ccl-auto-11 /);
    expect(await tmux.listSessions()).toEqual(['ccl-auto-11']);
    const missing = createTmux({ socket: uniqueSocket(), env: { JOURNAL_STREAM: '1:2' }, systemdRun: '/nonexistent/systemd-run' });
    expect((await failure(missing.newSession('x', { cwd: dir }))).code).toBe(TmuxError.systemdRunMissing);
  });

  it('a server it starts does not inherit failpoints, systemd variables or scrubbed secrets', async () => {
    const socket = uniqueSocket();
    const tmux = server({ socket, env: { HOME, CLAUDE_FAILOVER_FAILPOINT: 'x', SECUTOOLS_API_KEY: 'sk-secret-value', KEEP_ME: 'yes' }, scrubEnv: ['SECUTOOLS_API_KEY'] });
    await tmux.newSession('s', { cwd: await tempDir() });
    const env = (await execa('tmux', ['-L', socket, 'show-environment', '-g'])).stdout;
    expect(env).toContain('KEEP_ME=yes');
    expect(env).not.toMatch(/CLAUDE_FAILOVER_FAILPOINT|sk-secret-value|INVOCATION_ID/);
  });

  it('reads the socket path from $TMUX', () => {
    expect(socketPathFromTmuxEnv('/tmp/tmux-0/default,1234,0')).toBe('/tmp/tmux-0/default');
    expect(socketPathFromTmuxEnv(undefined)).toBeNull();
    expect(socketPathFromTmuxEnv('relative,1,0')).toBeNull();
  });
});
