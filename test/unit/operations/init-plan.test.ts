import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/base/config-file.js';
import { NO_CREDENTIALS } from '../../../src/operations/core/account-health.js';
import { renderInitConfig, tildePath, yamlScalar } from '../../../src/operations/core/init-config.js';
import { accountNameOf, planInit, type HomeCandidate, type MachineFacts, type SessionFact } from '../../../src/operations/core/init-plan.js';

const H = '/home/op';
const home = (path: string, over: Partial<HomeCandidate> = {}): HomeCandidate => ({
  path, real: path, credentials: { ...NO_CREDENTIALS, present: true }, projectsReal: `${H}/.claude-shared/projects`, ...over,
});
const session = (name: string, over: Partial<SessionFact> = {}): SessionFact => ({ name, paneCommand: 'bash', panePath: H, panePid: 100, registry: null, ...over });

function machine(over: Partial<MachineFacts> = {}): MachineFacts {
  return {
    home: H,
    activeLink: { path: `${H}/.claude`, kind: 'symlink', target: `${H}/.claude-work`, real: `${H}/.claude-work` },
    homes: [home(`${H}/.claude-backup`), home(`${H}/.claude-work`, { credentials: { present: true, expiresAt: '2027-01-01T00:00:00.000Z', renewable: false, problem: null } })],
    sessions: [
      ...Array.from({ length: 10 }, (_, i) => session(`ccl-${i}`)),
      session('ccl-auto-11'), session('ccl-auto-12'), session('ccl-auto-14'),
      session('ccl-1-web', { registry: { home: `${H}/.claude-work`, cwd: `${H}/src/web` } }),
      session('scratch', { paneCommand: 'claude', panePath: `${H}/src/api` }),
      session('notes', { paneCommand: 'vim' }),
    ],
    tmuxLabel: 'tmux (default server)',
    projects: [`${H}/src/api`, `${H}/src/ops`, `${H}/src/web`],
    claudeOnPath: `${H}/.local/bin/claude`,
    warnings: [],
    ...over,
  };
}

describe('init plan', () => {
  it('orders accounts active first, takes the auto run as the pool and never the operator numbered sessions', () => {
    const plan = planInit(machine());
    expect(plan.accounts).toEqual([
      { name: 'work', home: `${H}/.claude-work`, active: true, credentialsPresent: true, loginExpiresAt: '2027-01-01T00:00:00.000Z' },
      { name: 'backup', home: `${H}/.claude-backup`, active: false, credentialsPresent: true, loginExpiresAt: null },
    ]);
    // 11..14 with a gap: the run spans the numbers seen.
    expect(plan.pool).toEqual({ prefix: 'ccl-auto-', startIndex: 11, min: 4, max: 4, running: ['ccl-auto-11', 'ccl-auto-12', 'ccl-auto-14'] });
    expect(plan.dedicated).toEqual([
      { session: 'ccl-1-web', project: `${H}/src/web`, evidence: 'registry' },
      { session: 'scratch', project: `${H}/src/api`, evidence: 'pane' },
    ]);
    expect(plan.projects).toEqual([`${H}/src/ops`]);
    expect(plan.otherSessions.find((o) => o.session === 'ccl-3')?.why).toMatch(/numbered like a pool .* left alone/);
    expect(plan.otherSessions.find((o) => o.session === 'notes')?.why).toBe('no Claude Code runs there');
    expect(plan.sharedRoot).toBe(`${H}/.claude-shared`);
    expect(plan.sharedRootInUse).toBe(true);
  });

  it('without an auto run proposes the default pool; a real ~/.claude is a migration warning', () => {
    const plan = planInit(machine({
      sessions: [session('ccl-0'), session('ccl-1')],
      activeLink: { path: `${H}/.claude`, kind: 'directory', target: null, real: null },
      homes: [home(`${H}/.claude-main`, { projectsReal: null })],
    }));
    expect(plan.pool).toEqual({ prefix: 'ccl-auto-', startIndex: 11, min: 10, max: 10, running: [] });
    expect(plan.accounts).toEqual([expect.objectContaining({ name: 'main', active: false })]);
    expect(plan.warnings).toEqual([expect.stringMatching(/\/home\/op\/\.claude is a real directory.*needs migration/)]);
    expect(plan.sharedRootInUse).toBe(false);
    expect(plan.otherSessions.map((o) => o.session)).toEqual(['ccl-0', 'ccl-1']);
  });

  it('names accounts from their folders, validly and once each', () => {
    expect(accountNameOf('/home/op/.claude-main')).toBe('main');
    expect(accountNameOf('/srv/accounts/work team')).toBe('work-team');
    expect(accountNameOf('/home/op/.claude-')).toBe('account');
    const plan = planInit(machine({ homes: [home(`${H}/.claude-x`), home('/srv/x')], activeLink: { path: `${H}/.claude`, kind: 'missing', target: null, real: null } }));
    expect(plan.accounts.map((a) => a.name)).toEqual(['x', 'x-2']);
  });
});

describe('init config text', () => {
  it('round-trips through the real config loader: what init plans is what the loader reads', () => {
    const plan = planInit(machine({ projects: [`${H}/src/web shop`, `${H}/src/it's #1`, '/srv/"quoted"'] }));
    const text = renderInitConfig({ plan, home: H, tmuxSocket: 'fleet', at: '2026-12-02T05:00:00.000Z' });
    const config = parseConfigText(text, '/tmp/config.yaml', H);
    expect(config.accounts).toEqual(plan.accounts.map((a) => ({ name: a.name, home: a.home })));
    expect(config.pool.autonomous).toEqual({ prefix: 'ccl-auto-', startIndex: 11, min: 4, max: 4 });
    expect(config.pool.dedicated).toEqual(plan.dedicated.map((d) => ({ session: d.session, project: d.project })));
    expect(config.projects).toEqual([`${H}/src/web shop`, `${H}/src/it's #1`, '/srv/"quoted"']);
    expect(config.shared.root).toBe(`${H}/.claude-shared`);
    expect(config.dispatch.claudeCommand).toBe(`${H}/.local/bin/claude`);
    expect(config.tmux.socket).toBe('fleet');
    expect(text).toContain('- { name: work, home: ~/.claude-work }');
    expect(text).toMatch(/# left alone: tmux session ccl-0 \(/);
  });

  it('an empty machine still renders a config the loader takes (the commented examples stay comments)', () => {
    const plan = planInit(machine({ sessions: null, projects: [], claudeOnPath: null }));
    const config = parseConfigText(renderInitConfig({ plan, home: H, tmuxSocket: null, at: 'now' }), '/tmp/c.yaml', H);
    expect(config.pool.dedicated).toEqual([]);
    expect(config.metrics.textfile).toBeNull();
    expect(config.notify.command).toBeNull();
    expect(config.dispatch.claudeCommand).toBe('claude');
  });

  it('scalars are plain only when YAML cannot read them as anything else', () => {
    expect(['main', '~/.claude-main', '/opt/x', 'ccl-auto-'].map(yamlScalar)).toEqual(['main', '~/.claude-main', '/opt/x', 'ccl-auto-']);
    expect(['yes', 'null', '11', 'a b', 'x: y', '#c', "it's"].map(yamlScalar)).toEqual(['"yes"', '"null"', '"11"', '"a b"', '"x: y"', '"#c"', '"it\'s"']);
    expect(tildePath('/home/op/src', '/home/op/')).toBe('~/src');
    expect(tildePath('/home/open/src', '/home/op')).toBe('/home/open/src');
  });
});
