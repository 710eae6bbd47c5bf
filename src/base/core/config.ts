import { MappingReader } from './config-reader.js';
import { hasControlCharacter } from './format.js';

export const PRIORITIES = ['critical', 'high', 'default', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Account {
  name: string;
  home: string;
}

export interface DedicatedSession {
  session: string;
  project: string;
}

export interface Config {
  /** Where it was read from (for messages); null for a config built in code. */
  file: string | null;
  accounts: Account[];
  activeLink: string;
  shared: { root: string; entries: string[] };
  pool: {
    autonomous: { prefix: string; startIndex: number; min: number; max: number };
    dedicated: DedicatedSession[];
  };
  projects: string[];
  dispatch: {
    claudeCommand: string;
    models: { critical: string; default: string };
    promptTimeoutMs: number;
    sessionCooldownMs: number;
    maxAttempts: number;
    messageSuffix: string;
  };
  completion: { idleTimeoutMs: number };
  quota: { reactivateCooldownMs: number; confirmPolls: number };
  delegation: {
    enabled: boolean;
    baseUrl: string;
    apiKeyEnv: string;
    requestTimeoutMs: number;
    retries: number;
    pollConcurrency: number;
    jobTimeoutMs: number;
  };
  stateDir: string;
  resumeDir: string;
  tmux: { socket: string | null };
  notify: { command: string | null };
  /** `metrics.textfile`: where a timer writes `metrics` for node_exporter's textfile collector; null = no timer. */
  metrics: { textfile: string | null };
  /** How long before a login's expiry `doctor` warns and `account-login-expiring` is raised. */
  accountsHealth: { loginExpiryWarningMs: number };
}

export const DEFAULT_SHARED_ENTRIES = ['projects', 'file-history', 'session-env'];
export const DEFAULT_MESSAGE_SUFFIX = 'IMPORTANT: carry out the requested actions; do not only describe them.';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** tmux session names may not contain `.` or `:` (they are target separators). */
const SESSION_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
/**
 * Capitals only: a pasted key such as `stk_live_Q8f3…` is a valid shell name too, and accepting it would print the
 * key in every "$<name> is not set" message.
 */
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/**
 * Validates a parsed config document and fills in the defaults. Pure: `home` is the directory `~`
 * expands to. Every problem is returned at once, each naming its key path.
 */
export function buildConfig(document: unknown, home: string, file: string | null): ConfigResult {
  const errors: string[] = [];
  const root = MappingReader.root(document, errors, home);

  const accounts = root.list('accounts', (account) => ({
    name: account.requiredString('name'),
    home: account.requiredPath('home'),
  }));
  if (!root.has('accounts')) root.error('accounts', 'expected a list of { name, home } (required, in failover order)');
  else if (accounts.length === 0) root.error('accounts', 'expected at least one account');
  checkUnique(accounts.map((a) => a.name), 'accounts', 'name', errors);
  checkUnique(accounts.map((a) => a.home), 'accounts', 'home', errors);
  accounts.forEach((account, index) => {
    if (account.name !== '' && !NAME.test(account.name)) {
      errors.push(`accounts[${index}].name: expected letters, digits, ".", "_" or "-", got ${JSON.stringify(account.name)}`);
    }
  });

  const activeLink = root.path('active_link', '~/.claude');

  const sharedReader = root.mapping('shared');
  const shared = {
    root: sharedReader.path('root', '~/.claude-shared'),
    entries: sharedReader.stringList('entries', DEFAULT_SHARED_ENTRIES),
  };
  shared.entries.forEach((entry, index) => {
    if (entry.includes('/') || entry === '.' || entry === '..') {
      errors.push(`shared.entries[${index}]: expected a plain folder name, got ${JSON.stringify(entry)}`);
    }
  });
  sharedReader.done();

  const poolReader = root.mapping('pool');
  const autonomousReader = poolReader.mapping('autonomous');
  const autonomous = {
    prefix: autonomousReader.string('prefix', 'ccl-auto-'),
    startIndex: autonomousReader.integer('start_index', 11, 0),
    min: autonomousReader.integer('min', 10, 0, 1000),
    max: autonomousReader.integer('max', 10, 0, 1000),
  };
  if (!SESSION_NAME.test(autonomous.prefix)) {
    errors.push(`pool.autonomous.prefix: expected letters, digits, "_" or "-" (tmux reserves "." and ":"), got ${JSON.stringify(autonomous.prefix)}`);
  }
  if (autonomous.min > autonomous.max) {
    errors.push(`pool.autonomous.min: expected at most pool.autonomous.max (${autonomous.max}), got ${autonomous.min}`);
  }
  autonomousReader.done();
  const dedicated = poolReader.list('dedicated', (entry) => ({
    session: entry.requiredString('session'),
    project: entry.requiredPath('project'),
  }));
  dedicated.forEach((entry, index) => {
    if (entry.session !== '' && !SESSION_NAME.test(entry.session)) {
      errors.push(`pool.dedicated[${index}].session: expected letters, digits, "_" or "-", got ${JSON.stringify(entry.session)}`);
    }
    if (isPoolSessionName(entry.session, autonomous)) {
      errors.push(`pool.dedicated[${index}].session: ${JSON.stringify(entry.session)} is inside the autonomous pool range`);
    }
  });
  checkUnique(dedicated.map((d) => d.session), 'pool.dedicated', 'session', errors);
  poolReader.done();

  const projects = root.pathList('projects');

  const dispatchReader = root.mapping('dispatch');
  const modelsReader = dispatchReader.mapping('models');
  const dispatch = {
    claudeCommand: dispatchReader.string('claude_command', 'claude'),
    models: { critical: modelsReader.string('critical', 'opus'), default: modelsReader.string('default', 'sonnet') },
    promptTimeoutMs: dispatchReader.duration('prompt_timeout', '30s'),
    sessionCooldownMs: dispatchReader.duration('session_cooldown', '5m'),
    maxAttempts: dispatchReader.integer('max_attempts', 3, 1, 100),
    messageSuffix: dispatchReader.text('message_suffix', DEFAULT_MESSAGE_SUFFIX),
  };
  for (const [key, value] of [['dispatch.claude_command', dispatch.claudeCommand], ['dispatch.models.critical', dispatch.models.critical], ['dispatch.models.default', dispatch.models.default]] as const) {
    // Typed into a pool session's shell with every launch: a control character there is a keystroke, not text.
    if (hasControlCharacter(value)) errors.push(`${key}: expected text without control characters (it is typed into a shell), got ${JSON.stringify(value)}`);
  }
  modelsReader.done();
  dispatchReader.done();

  const completionReader = root.mapping('completion');
  const completion = { idleTimeoutMs: completionReader.duration('idle_timeout', '2h') };
  completionReader.done();

  const quotaReader = root.mapping('quota');
  const quota = {
    reactivateCooldownMs: quotaReader.duration('reactivate_cooldown', '5m'),
    confirmPolls: quotaReader.integer('confirm_polls', 2, 1, 100),
  };
  quotaReader.done();

  const delegationReader = root.mapping('delegation');
  const delegation = {
    enabled: delegationReader.boolean('enabled', false),
    baseUrl: delegationReader.string('base_url', 'https://secutools.example.net'),
    apiKeyEnv: delegationReader.string('api_key_env', 'SECUTOOLS_API_KEY'),
    requestTimeoutMs: delegationReader.duration('request_timeout', '30s'),
    retries: delegationReader.integer('retries', 4, 0, 20),
    pollConcurrency: delegationReader.integer('poll_concurrency', 16, 1, 256),
    jobTimeoutMs: delegationReader.duration('job_timeout', '6h'),
  };
  if (!/^https?:\/\/[^/\s]+/.test(delegation.baseUrl)) {
    errors.push(`delegation.base_url: expected an http(s) URL, got ${JSON.stringify(delegation.baseUrl)}`);
  }
  if (!ENV_NAME.test(delegation.apiKeyEnv)) {
    errors.push(`delegation.api_key_env: expected the NAME of an environment variable (the key itself never goes in the config), got a value that is not a variable name in capitals such as SECUTOOLS_API_KEY`);
  }
  delegation.baseUrl = delegation.baseUrl.replace(/\/+$/, '');
  delegationReader.done();

  const stateDir = root.path('state_dir', '~/.local/state/claude-failover');
  const resumeDir = root.path('resume_dir', '~/.claude-context');

  const tmuxReader = root.mapping('tmux');
  const tmux = { socket: tmuxReader.optionalString('socket') };
  if (tmux.socket !== null && !/^[A-Za-z0-9._-]+$/.test(tmux.socket)) {
    errors.push(`tmux.socket: expected a socket name for tmux -L (letters, digits, ".", "_", "-"), got ${JSON.stringify(tmux.socket)}`);
  }
  tmuxReader.done();

  const notifyReader = root.mapping('notify');
  const notify = { command: notifyReader.optionalString('command') };
  notifyReader.done();

  const metricsReader = root.mapping('metrics');
  const metrics = { textfile: metricsReader.optionalPath('textfile') };
  if (metrics.textfile !== null && !metrics.textfile.endsWith('.prom')) {
    // node_exporter's textfile collector reads only `*.prom` files: any other name would be written and never read.
    errors.push(`metrics.textfile: expected a file name ending in .prom (node_exporter reads only those), got ${JSON.stringify(metrics.textfile)}`);
  }
  metricsReader.done();

  const healthReader = root.mapping('accounts_health');
  const accountsHealth = { loginExpiryWarningMs: healthReader.duration('login_expiry_warning', '3d') };
  healthReader.done();

  root.done();
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    config: {
      file,
      accounts,
      activeLink,
      shared,
      pool: { autonomous, dedicated },
      projects,
      dispatch,
      completion,
      quota,
      delegation,
      stateDir,
      resumeDir,
      tmux,
      notify,
      metrics,
      accountsHealth,
    },
  };
}

function checkUnique(values: string[], listKey: string, field: string, errors: string[]): void {
  const seen = new Map<string, number>();
  values.forEach((value, index) => {
    if (value === '') return;
    const first = seen.get(value);
    if (first !== undefined) {
      errors.push(`${listKey}[${index}].${field}: ${JSON.stringify(value)} repeats ${listKey}[${first}].${field}`);
    } else seen.set(value, index);
  });
}

/** The pool session names, in order: `<prefix><n>` for n in [start_index, start_index + max). */
export function poolSessionNames(pool: Config['pool']['autonomous']): string[] {
  return Array.from({ length: pool.max }, (_, i) => `${pool.prefix}${pool.startIndex + i}`);
}

/** Exact membership: `ccl-auto-1` is not `ccl-auto-11`, and `ccl-auto-011` is not `ccl-auto-11`. */
export function isPoolSessionName(name: string, pool: Config['pool']['autonomous']): boolean {
  if (!name.startsWith(pool.prefix)) return false;
  const digits = name.slice(pool.prefix.length);
  if (!/^(0|[1-9]\d*)$/.test(digits)) return false;
  const n = Number(digits);
  return n >= pool.startIndex && n < pool.startIndex + pool.max;
}

/** Every project whose inbox is scanned: dedicated projects first, then `projects:`, without repeats. */
export function projectDirs(config: Pick<Config, 'pool' | 'projects'>): string[] {
  const dirs = [...config.pool.dedicated.map((d) => d.project), ...config.projects].map((p) => p.replace(/\/+$/, '') || '/');
  return [...new Set(dirs)];
}

export type DelegationStatus = { active: true; apiKey: string } | { active: false; reason: string };

/** Delegation is active only when it is enabled *and* the key variable is set. */
export function delegationStatus(config: Config, env: NodeJS.ProcessEnv): DelegationStatus {
  if (!config.delegation.enabled) return { active: false, reason: 'delegation.enabled is false' };
  const apiKey = env[config.delegation.apiKeyEnv];
  if (apiKey === undefined || apiKey.trim() === '') {
    return { active: false, reason: `delegation is enabled but $${config.delegation.apiKeyEnv} is not set` };
  }
  return { active: true, apiKey: apiKey.trim() };
}
