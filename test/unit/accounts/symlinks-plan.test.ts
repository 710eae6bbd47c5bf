import { dirname, isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, type Config } from '../../../src/base/core/config.js';
import { accountOfLink, planSymlinks, sharedTargets, type HomeFacts, type PathFact, type SharedStateFacts } from '../../../src/accounts/core/symlinks.js';

describe('the production shared-state contract (DEFAULT config, not a test override)', () => {
  const built = buildConfig({ accounts: [{ name: 'main', home: '~/.claude-main' }, { name: 'backup', home: '~/.claude-backup' }] }, '/home/op', null);
  if (!built.ok) throw new Error(built.errors.join('; '));
  const config = built.config;

  it('links exactly projects, file-history and session-env', () => {
    expect(config.shared.entries).toEqual(['projects', 'file-history', 'session-env']);
  });

  it('targets are absolute and all share one parent: shared.root', () => {
    const targets = sharedTargets(config.shared);
    expect(targets.map((t) => t.entry)).toEqual(['projects', 'file-history', 'session-env']);
    for (const { target } of targets) expect(isAbsolute(target)).toBe(true);
    expect(new Set(targets.map((t) => dirname(t.target)))).toEqual(new Set([config.shared.root]));
    expect(config.shared.root).toBe('/home/op/.claude-shared');
    expect(config.activeLink).toBe('/home/op/.claude');
  });
});

const ROOT = '/h/.claude-shared';
const CONFIG: Pick<Config, 'accounts' | 'shared'> = {
  accounts: [
    { name: 'main', home: '/h/.claude-main' },
    { name: 'backup', home: '/h/.claude-backup' },
  ],
  shared: { root: ROOT, entries: ['projects', 'file-history', 'session-env'] },
};
const dir = (real: string | null = null): PathFact => ({ kind: 'directory', real });
const link = (target: string, real: string | null = target): PathFact => ({ kind: 'symlink', target, real });
const goodLinks = (): Record<string, PathFact> => ({
  projects: link(`${ROOT}/projects`),
  'file-history': link(`${ROOT}/file-history`),
  'session-env': link(`${ROOT}/session-env`),
});
const home = (account: string, links: Record<string, PathFact> = goodLinks(), fact: PathFact = dir()): HomeFacts => ({
  account,
  home: `/h/.claude-${account}`,
  fact,
  links,
});

function facts(overrides: Partial<SharedStateFacts> = {}): SharedStateFacts {
  return {
    root: ROOT,
    targets: { projects: dir(`${ROOT}/projects`), 'file-history': dir(`${ROOT}/file-history`), 'session-env': dir(`${ROOT}/session-env`) },
    homes: [home('main'), home('backup')],
    activeLink: { path: '/h/.claude', fact: link('/h/.claude-main') },
    ...overrides,
  };
}

describe('planSymlinks', () => {
  it('a healthy layout has no problem and nothing to fix', () => {
    const plan = planSymlinks(CONFIG, facts());
    expect(plan).toEqual({ problems: [], fixes: [], activeAccount: 'main' });
  });

  it('reports every problem across every home in one pass', () => {
    const plan = planSymlinks(
      CONFIG,
      facts({
        targets: { projects: dir(`${ROOT}/projects`), 'file-history': { kind: 'missing' }, 'session-env': { kind: 'file' } },
        homes: [
          home('main', { projects: { kind: 'missing' }, 'file-history': link('/elsewhere/file-history'), 'session-env': dir() }),
          home('backup', { projects: { kind: 'file' }, 'file-history': { kind: 'missing' }, 'session-env': link(`${ROOT}/session-env`) }),
        ],
      }),
    );
    expect(plan.problems.map((p) => [p.kind, p.account, p.entry, p.fixable])).toEqual([
      ['missing-target', null, 'file-history', true],
      ['target-not-directory', null, 'session-env', false],
      ['missing-link', 'main', 'projects', true],
      ['divergent-link', 'main', 'file-history', false],
      ['not-a-link', 'main', 'session-env', false],
      ['not-a-link', 'backup', 'projects', false],
      ['missing-link', 'backup', 'file-history', true],
    ]);
    const divergent = plan.problems.find((p) => p.kind === 'divergent-link');
    expect(divergent).toMatchObject({ path: '/h/.claude-main/file-history', expected: `symlink to ${ROOT}/file-history`, actual: 'symlink to /elsewhere/file-history' });
  });

  it('fixes only missing target dirs and missing links, directories first', () => {
    const plan = planSymlinks(
      CONFIG,
      facts({
        targets: { projects: { kind: 'missing' }, 'file-history': dir(), 'session-env': dir() },
        homes: [home('main', { ...goodLinks(), projects: { kind: 'missing' } }), home('backup', { ...goodLinks(), 'session-env': { kind: 'missing' } })],
      }),
    );
    expect(plan.fixes).toEqual([
      { kind: 'mkdir', path: `${ROOT}/projects` },
      { kind: 'symlink', path: '/h/.claude-main/projects', target: `${ROOT}/projects` },
      { kind: 'symlink', path: '/h/.claude-backup/session-env', target: `${ROOT}/session-env` },
    ]);
  });

  it('never plans a link to a target that is not a directory', () => {
    const plan = planSymlinks(
      CONFIG,
      facts({ targets: { projects: { kind: 'file' }, 'file-history': dir(), 'session-env': dir() }, homes: [home('main', { ...goodLinks(), projects: { kind: 'missing' } })] }),
    );
    expect(plan.fixes).toEqual([]);
    expect(plan.problems.find((p) => p.kind === 'missing-link')).toMatchObject({ fixable: false });
  });

  it('resolves relative link targets against the link directory', () => {
    const relative = { projects: link('../.claude-shared/projects'), 'file-history': link('../.claude-shared/file-history'), 'session-env': link('../.claude-shared/./session-env/') };
    expect(planSymlinks(CONFIG, facts({ homes: [home('main', relative)] })).problems).toEqual([]);
    const wrong = { ...relative, projects: link('../.claude-main-old/projects') };
    expect(planSymlinks(CONFIG, facts({ homes: [home('main', wrong)] })).problems.map((p) => p.kind)).toEqual(['divergent-link']);
  });

  it('a link written differently but ending in the same real directory is not divergent', () => {
    // The shared root reached through another symlink: /data/shared is where ~/.claude-shared really lives.
    const targets = { projects: dir('/data/shared/projects'), 'file-history': dir('/data/shared/file-history'), 'session-env': dir('/data/shared/session-env') };
    const links = { ...goodLinks(), projects: link('/data/shared/projects', '/data/shared/projects') };
    expect(planSymlinks(CONFIG, facts({ targets, homes: [home('main', links)] })).problems).toEqual([]);
  });

  it('a missing home is one problem (not three missing links) and is never created', () => {
    const plan = planSymlinks(CONFIG, facts({ homes: [home('main'), home('backup', {}, { kind: 'missing' })] }));
    expect(plan.problems).toHaveLength(1);
    expect(plan.problems[0]).toMatchObject({ kind: 'missing-home', account: 'backup', fixable: false });
    expect(plan.fixes).toEqual([]);
  });

  it('a home that is a file, or unreadable, is reported too', () => {
    const plan = planSymlinks(CONFIG, facts({ homes: [home('main', {}, { kind: 'file' }), home('backup', {}, { kind: 'unreadable', message: 'EACCES' })] }));
    expect(plan.problems.map((p) => p.kind)).toEqual(['home-not-directory', 'unreadable']);
  });

  it('the active link: a real directory needs migration, a foreign target is reported, missing is fine', () => {
    expect(planSymlinks(CONFIG, facts({ activeLink: { path: '/h/.claude', fact: dir() } })).problems[0]).toMatchObject({
      kind: 'active-link-not-a-link',
      fixable: false,
    });
    expect(planSymlinks(CONFIG, facts({ activeLink: { path: '/h/.claude', fact: dir() } })).problems[0]?.message).toMatch(/needs migration/);
    expect(planSymlinks(CONFIG, facts({ activeLink: { path: '/h/.claude', fact: link('/h/.claude-old') } })).problems.map((p) => p.kind)).toEqual([
      'active-link-unknown-target',
    ]);
    const missing = planSymlinks(CONFIG, facts({ activeLink: { path: '/h/.claude', fact: { kind: 'missing' } } }));
    expect(missing).toMatchObject({ problems: [], activeAccount: null });
    expect(planSymlinks(CONFIG, facts({ activeLink: { path: '/h/.claude', fact: link('.claude-backup') } })).activeAccount).toBe('backup');
  });

  it('accountOfLink matches by resolved path or by real path', () => {
    expect(accountOfLink('/h/.claude', link('/h/.claude-backup/'), CONFIG.accounts)?.name).toBe('backup');
    expect(accountOfLink('/h/.claude', link('/mnt/b', '/mnt/b'), CONFIG.accounts, { backup: '/mnt/b' })?.name).toBe('backup');
    expect(accountOfLink('/h/.claude', dir(), CONFIG.accounts)).toBeNull();
  });
});
