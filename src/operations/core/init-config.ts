/**
 * The config `init` writes: only what differs from the defaults or was found on the machine, each with a comment
 * saying where it came from, and the keys an operator usually sets next as commented examples. The command parses
 * the text with the real config loader before writing it, so what is written is always accepted.
 */

import type { InitPlan } from './init-plan.js';

const RESERVED = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

/** A YAML scalar: plain when it cannot be read as anything else, else double-quoted (JSON's escapes are YAML's). */
export function yamlScalar(text: string): string {
  if (/^[A-Za-z_~/.][A-Za-z0-9_./~+-]*$/.test(text) && !RESERVED.test(text)) return text;
  return JSON.stringify(text);
}

/** A path under HOME is written `~/…`: the config then reads the same under any HOME the units give it. */
export function tildePath(path: string, home: string): string {
  const root = home.replace(/\/+$/, '');
  if (path === root) return '~';
  return path.startsWith(`${root}/`) ? `~${path.slice(root.length)}` : path;
}

export interface InitConfigInputs {
  plan: InitPlan;
  home: string;
  /** `tmux -L <name>` that init looked at; null = the default server. */
  tmuxSocket: string | null;
  /** When it was written (ISO), for the header. */
  at: string;
}

/** Comments are padded to one column so the file reads as a table. */
function withComment(line: string, comment: string | null): string {
  return comment === null ? line : `${line.padEnd(60)} # ${comment}`;
}

export function renderInitConfig({ plan, home, tmuxSocket, at }: InitConfigInputs): string {
  const path = (p: string) => yamlScalar(tildePath(p, home));
  const out: string[] = [
    `# claude-failover config, written by \`claude-failover init\` at ${at} from what runs on this machine.`,
    '# Keys left out have their defaults (README "Configuration"); unknown keys are refused. Check it: claude-failover doctor',
    '',
    '# Account homes found (each a CLAUDE_CONFIG_DIR), in failover order: the active one first.',
    'accounts:',
  ];
  for (const account of plan.accounts) {
    const facts = [account.active ? 'active' : null, account.credentialsPresent ? 'logged in' : 'NOT logged in: no .credentials.json', account.loginExpiresAt ? `expiry ${account.loginExpiresAt}` : null];
    out.push(withComment(`  - { name: ${yamlScalar(account.name)}, home: ${path(account.home)} }`, facts.filter(Boolean).join('; ')));
  }
  out.push(withComment(`active_link: ${path(plan.activeLink)}`, 'the symlink to the active home; a swap flips it'));
  out.push('shared:');
  out.push(withComment(`  root: ${path(plan.sharedRoot)}`, plan.sharedRootInUse ? "found: the homes' projects/ lead here" : 'proposed: validate-symlinks --fix creates it and the links'));
  out.push('pool:');
  const pool = plan.pool;
  const last = `${pool.prefix}${pool.startIndex + pool.max - 1}`;
  out.push(
    withComment(
      `  autonomous: { prefix: ${yamlScalar(pool.prefix)}, start_index: ${pool.startIndex}, min: ${pool.min}, max: ${pool.max} }`,
      pool.running.length > 0 ? `found ${pool.running.join(', ')}` : `none found: reconcile creates ${pool.prefix}${pool.startIndex} … ${last}`,
    ),
  );
  if (plan.dedicated.length === 0) out.push(withComment('  dedicated: []', 'no session found running Claude Code in a project'));
  else {
    out.push('  dedicated:                   # your Claude Code sessions: resumed across swaps, never given queue tasks');
    for (const d of plan.dedicated) {
      out.push(withComment(`    - { session: ${yamlScalar(d.session)}, project: ${path(d.project)} }`, d.evidence === 'registry' ? "found in Claude Code's session registry" : 'its pane runs claude'));
    }
  }
  if (plan.projects.length === 0) out.push(withComment('projects: []', 'more inboxes (<project>/.agent-queue/inbox); none found besides the dedicated ones'));
  else {
    out.push('projects:                      # folders with an .agent-queue/ (dedicated projects are scanned too)');
    for (const project of plan.projects) out.push(`  - ${path(project)}`);
  }
  for (const other of plan.otherSessions) out.push(`# left alone: tmux session ${other.session} (${other.why})`);
  if (plan.claudeCommand !== null) {
    out.push('dispatch:');
    // Not `~/…`: claude_command is a command, not a path key, and is not expanded.
    out.push(withComment(`  claude_command: ${yamlScalar(plan.claudeCommand)}`, "found on PATH; a full path, as the units' PATH may lack it"));
  } else {
    out.push('# dispatch: { claude_command: /path/to/claude }   # claude was not found on PATH: set its full path');
  }
  if (tmuxSocket !== null) out.push(withComment(`tmux: { socket: ${yamlScalar(tmuxSocket)} }`, `the server init looked at (tmux -L ${tmuxSocket})`));
  out.push(
    '',
    '# Usually set next (uncomment):',
    '# notify: { command: "jq -r .message | mail -s claude-failover ops@example.net" }   # events as JSON on stdin',
    '# metrics: { textfile: /var/lib/node_exporter/textfile_collector/claude-failover.prom }   # systemd install adds a 15 s timer',
    '# accounts_health: { login_expiry_warning: 3d }   # doctor warns, and account-login-expiring is raised, this long before',
    '# delegation: { enabled: true, base_url: https://secutools.example.net }   # the key comes from $SECUTOOLS_API_KEY',
    '',
  );
  return out.join('\n');
}
