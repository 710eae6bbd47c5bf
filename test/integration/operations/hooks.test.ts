import { execa } from 'execa';
import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAUDE_FAILOVER_BIN, claudeFailover } from '../../support/cli.js';
import { writeTestConfig } from '../../support/context.js';
import { tempDir } from '../../support/temp.js';

/**
 * `hook install` / `hook uninstall` as the operator runs them: the built CLI on real temp account homes. What a
 * home's settings.json holds before and after, its mode, its bytes on a second run, a broken one named and left
 * alone, a home that does not exist reported, and the installed command lines really running the tool.
 */

const OPERATOR = '{\n  "model": "opus",\n  "hooks": {\n    "Stop": [\n      {\n        "hooks": [\n          {\n            "type": "command",\n            "command": "notify-send done"\n          }\n        ]\n      }\n    ]\n  }\n}\n';

async function world(extraAccounts: Array<{ name: string; home: string }> = []) {
  const home = await tempDir('cf-hooks-');
  const homes = { main: join(home, '.claude-main'), backup: join(home, '.claude-backup') };
  for (const dir of Object.values(homes)) await mkdir(dir);
  const accounts = [{ name: 'main', home: homes.main }, { name: 'backup', home: homes.backup }, ...extraAccounts.map((a) => ({ ...a, home: join(home, a.home) }))];
  const configPath = await writeTestConfig(home, { accounts });
  const run = (args: string[]) => claudeFailover([...args, '--config', configPath], { env: { HOME: home } });
  return { home, homes, configPath, run, settings: (dir: string) => join(dir, 'settings.json') };
}

const fileState = async (path: string) => ({ text: await readFile(path, 'utf8'), mode: (await stat(path)).mode & 0o777, mtimeMs: (await stat(path)).mtimeMs, ino: (await stat(path)).ino });

describe('hook install / uninstall on real account homes', () => {
  it("merges into every home, keeps the operator's hooks and the file's mode, and is byte-identical on a second run", async () => {
    const w = await world([{ name: 'gone', home: '.claude-gone' }]);
    await writeFile(w.settings(w.homes.main), OPERATOR);
    await chmod(w.settings(w.homes.main), 0o640);

    const dry = await w.run(['hook', 'install', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, homes: [{ account: 'main', status: 'changed' }, { account: 'backup', status: 'changed' }, { account: 'gone', status: 'missing-home' }] });
    expect(await readFile(w.settings(w.homes.main), 'utf8')).toBe(OPERATOR);
    await expect(stat(w.settings(w.homes.backup))).rejects.toThrow(/ENOENT/);

    const first = await w.run(['hook', 'install', '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.homes.map((h: { status: string }) => h.status)).toEqual(['changed', 'changed', 'missing-home']);
    const commands = result.commands as { Stop: string; StopFailure: string };
    expect(commands.Stop).toBe(`'${process.execPath}' --max-semi-space-size=2 '${CLAUDE_FAILOVER_BIN}' hook stop --config '${w.configPath}'`);
    expect(commands.StopFailure).toBe(`'${process.execPath}' --max-semi-space-size=2 '${CLAUDE_FAILOVER_BIN}' hook stop-failure --config '${w.configPath}'`);

    const main = JSON.parse(await readFile(w.settings(w.homes.main), 'utf8'));
    expect(main).toEqual({
      model: 'opus',
      hooks: {
        Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }, { hooks: [{ type: 'command', command: commands.Stop, timeout: 10 }] }],
        StopFailure: [{ hooks: [{ type: 'command', command: commands.StopFailure, timeout: 10 }] }],
      },
    });
    expect((await stat(w.settings(w.homes.main))).mode & 0o777).toBe(0o640);
    // A settings.json the tool creates is private to the operator, like everything else in an account home.
    expect((await stat(w.settings(w.homes.backup))).mode & 0o777).toBe(0o600);

    const before = await Promise.all([w.homes.main, w.homes.backup].map((h) => fileState(w.settings(h))));
    const second = await w.run(['hook', 'install', '--json']);
    expect(second.exitCode).toBe(0);
    expect(JSON.parse(second.stdout).homes.map((h: { status: string }) => h.status)).toEqual(['unchanged', 'unchanged', 'missing-home']);
    // Not rewritten at all: same bytes, same inode, same mtime.
    expect(await Promise.all([w.homes.main, w.homes.backup].map((h) => fileState(w.settings(h))))).toEqual(before);

    const removed = await w.run(['hook', 'uninstall', '--json']);
    expect(removed.exitCode, removed.stderr).toBe(0);
    expect(await readFile(w.settings(w.homes.main), 'utf8')).toBe(OPERATOR);
    expect((await stat(w.settings(w.homes.main))).mode & 0o777).toBe(0o640);
    expect(JSON.parse(await readFile(w.settings(w.homes.backup), 'utf8'))).toEqual({});
    const again = await w.run(['hook', 'uninstall', '--json']);
    expect(JSON.parse(again.stdout).homes.map((h: { status: string }) => h.status)).toEqual(['unchanged', 'unchanged', 'missing-home']);
  });

  it('a broken settings.json is named with its JSON error and left untouched; the other homes are still done (exit 1)', async () => {
    const w = await world();
    const broken = '{\n  "model": "opus",\n  "hooks": {\n';
    await writeFile(w.settings(w.homes.main), broken);
    const before = await fileState(w.settings(w.homes.main));
    const run = await w.run(['hook', 'install']);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(`untouched  ${w.settings(w.homes.main)}: not valid JSON (`);
    expect(run.stderr).toContain(`${w.settings(w.homes.main)}: not valid JSON (`);
    expect(await fileState(w.settings(w.homes.main))).toEqual(before);
    expect(JSON.parse(await readFile(w.settings(w.homes.backup), 'utf8')).hooks.StopFailure).toHaveLength(1);
    const json = await w.run(['hook', 'install', '--json']);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout).homes[0]).toMatchObject({ status: 'broken', error: expect.stringMatching(/settings\.json: not valid JSON/) });
  });

  it('a settings.json that is a symlink into a dotfiles folder stays a symlink; its target is updated', async () => {
    const w = await world();
    const dotfiles = join(w.home, 'dotfiles');
    await mkdir(dotfiles);
    await writeFile(join(dotfiles, 'claude-settings.json'), '{"model": "opus"}');
    await symlink(join(dotfiles, 'claude-settings.json'), w.settings(w.homes.main));
    expect((await w.run(['hook', 'install'])).exitCode).toBe(0);
    expect((await lstat(w.settings(w.homes.main))).isSymbolicLink()).toBe(true);
    expect(await readlink(w.settings(w.homes.main))).toBe(join(dotfiles, 'claude-settings.json'));
    expect(Object.keys(JSON.parse(await readFile(join(dotfiles, 'claude-settings.json'), 'utf8')).hooks)).toEqual(['Stop', 'StopFailure']);
  });

  it('the installed command lines run the tool from any folder, through a shell, as Claude Code runs them', async () => {
    const w = await world();
    expect((await w.run(['hook', 'install'])).exitCode).toBe(0);
    const settings = JSON.parse(await readFile(w.settings(w.homes.main), 'utf8'));
    for (const event of ['Stop', 'StopFailure']) {
      const command = settings.hooks[event][0].hooks[0].command as string;
      // Outside tmux it records nothing and says why; exit 0 and the tool's own words prove the line ran the tool.
      const ran = await execa('sh', ['-c', command], { cwd: '/', input: '{}', reject: false, env: { PATH: '/usr/bin:/bin', HOME: w.home }, extendEnv: false });
      expect(ran.exitCode, ran.stderr).toBe(0);
      expect(ran.stderr).toMatch(/hook stop(-failure)?: nothing recorded/);
    }
  });

  it('doctor warns about a home without the hooks, with the fix, and is content once they are installed', async () => {
    const w = await world();
    const hooksChecks = async () => (JSON.parse((await w.run(['doctor', '--json'])).stdout).checks as Array<{ name: string; level: string; detail: string; fix: string | null }>).filter((c) => c.name === 'hooks');
    const before = await hooksChecks();
    expect(before).toEqual([
      expect.objectContaining({ level: 'warning', detail: expect.stringMatching(/account main: .*settings\.json lacks the tool's Stop and StopFailure hooks/), fix: 'claude-failover hook install' }),
      expect.objectContaining({ level: 'warning', detail: expect.stringMatching(/account backup: /), fix: 'claude-failover hook install' }),
    ]);
    expect((await w.run(['hook', 'install'])).exitCode).toBe(0);
    expect(await hooksChecks()).toEqual([expect.objectContaining({ level: 'ok' })]);
    // Hooks of another config (an older install, a moved config) are not this config's hooks.
    await mkdir(join(w.home, 'elsewhere'));
    const other = await writeTestConfig(join(w.home, 'elsewhere'), { accounts: [{ name: 'main', home: w.homes.main }] });
    expect((await claudeFailover(['hook', 'install', '--config', other], { env: { HOME: w.home } })).exitCode).toBe(0);
    expect(await hooksChecks()).toEqual([expect.objectContaining({ level: 'warning', detail: expect.stringMatching(/account main: the Stop and StopFailure hook in .* runs another bin or config/) })]);
  });
});
