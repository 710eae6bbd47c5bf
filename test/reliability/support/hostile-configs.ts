import { stringify } from 'yaml';
import { testConfigDocument } from '../../support/context.js';
import { TEST_API_KEY } from '../../support/delegation.js';

/**
 * Broken configs and corrupt state files for the hostile-inputs test: each with the text the operator must read.
 */
export interface ConfigCase {
  name: string;
  /** The config file's text; null: the config path is a directory. */
  text: (home: string, project: string) => string | null;
  /** Every one of these must appear in the error message (besides the file's path). */
  says: string[];
}

const valid = (home: string, project: string, extra: Record<string, unknown> = {}) => testConfigDocument(home, { projects: [project], ...extra });
const yaml = (home: string, project: string, extra: Record<string, unknown> = {}) => stringify(valid(home, project, extra));

export const CONFIG_CASES: ConfigCase[] = [
  { name: 'unknown key', text: (h, p) => yaml(h, p, { pool: { autonomous: { maxx: 3 } } }), says: ['pool.autonomous.maxx: unknown key', 'known keys here: max, min, prefix, start_index'] },
  { name: 'wrong type', text: (h, p) => yaml(h, p, { dispatch: { max_attempts: 'three' } }), says: ['dispatch.max_attempts: expected an integer between 1 and 100, got "three"'] },
  { name: 'duration as a number', text: (h, p) => yaml(h, p, { completion: { idle_timeout: 5 } }), says: ['completion.idle_timeout: expected a duration such as "30s"', 'got number 5'] },
  { name: 'relative path', text: (h, p) => yaml(h, p, { projects: ['relative/dir'] }), says: ['projects[0]: expected an absolute path or one starting with ~/, got "relative/dir"'] },
  { name: 'control character in a path', text: (h, p) => yaml(h, p, { projects: [`${p}\u0015touch PWNED #`] }), says: ['projects[0]: expected a path without control characters', '\\u0015'] },
  { name: 'control character in claude_command', text: (h, p) => yaml(h, p, { dispatch: { claude_command: 'claude\u0003' } }), says: ['dispatch.claude_command: expected text without control characters'] },
  { name: 'no accounts', text: (h) => stringify({ state_dir: `${h}/state` }), says: ['accounts: expected a list of { name, home } (required, in failover order)'] },
  { name: 'a list at the top', text: () => '- accounts\n- projects\n', says: ['(top level): expected a mapping of keys, got a list'] },
  { name: 'YAML syntax error', text: (h, p) => `${yaml(h, p)}dispatch: { models: [ opus\n`, says: ['not valid YAML', 'at line'] },
  {
    name: 'alias bomb',
    text: () => 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\naccounts: *d\n',
    says: ['not valid YAML: Excessive alias count'],
  },
  { name: 'duplicate key', text: (h, p) => `${yaml(h, p)}state_dir: /srv/elsewhere\n`, says: ['Map keys must be unique', '"state_dir: /srv/elsewhere"'] },
  {
    name: 'several problems at once',
    text: (h, p) => yaml(h, p, { pool: { autonomous: { min: 5, max: 2, prefix: 'a.b' } }, quota: { confirm_polls: 0 }, colour: true }),
    says: ['(4 problems)', 'pool.autonomous.prefix: expected letters', 'pool.autonomous.min: expected at most pool.autonomous.max (2), got 5', 'quota.confirm_polls: expected an integer', 'colour: unknown key'],
  },
  { name: 'the key itself as api_key_env', text: (h, p) => yaml(h, p, { delegation: { enabled: true, api_key_env: TEST_API_KEY } }), says: ['delegation.api_key_env: expected the NAME of an environment variable'] },
  { name: 'odd tmux socket', text: (h, p) => yaml(h, p, { tmux: { socket: 'a b;touch PWNED' } }), says: ['tmux.socket: expected a socket name for tmux -L'] },
  { name: 'odd dedicated session', text: (h, p) => yaml(h, p, { pool: { dedicated: [{ session: '$(touch PWNED)', project: p }] } }), says: ['pool.dedicated[0].session: expected letters, digits, "_" or "-", got "$(touch PWNED)"'] },
  { name: 'empty file', text: () => '', says: ['accounts: expected a list of { name, home }'] },
  { name: 'binary bytes', text: () => 'accounts:\u0000\u0001\u00ff [\n', says: ['(top level): expected a mapping of keys'] },
  { name: 'a directory', text: () => null, says: ['cannot read config', 'EISDIR'] },
];

export interface StateCase {
  name: string;
  bytes: Buffer;
  /** The reason the error must give. */
  says: string;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

export const STATE_CASES: StateCase[] = [
  { name: 'truncated', bytes: Buffer.from('{"version":1,"activeAccount":"main","sessions":{"ccl-auto-11":{"state":"wor'), says: 'not valid JSON' },
  { name: 'empty', bytes: Buffer.alloc(0), says: 'not valid JSON' },
  { name: 'binary garbage', bytes: Buffer.from([0, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x07]), says: 'not valid JSON' },
  { name: 'null', bytes: json(null), says: 'not a JSON object' },
  { name: 'a list', bytes: json([1, 2]), says: 'not a JSON object' },
  // A newer version is no damage: it is refused and left in place (lost-state.test.ts).
  { name: 'a version that never was', bytes: json({ version: 0, sessions: {} }), says: 'unsupported state version 0' },
  { name: 'sessions as a list', bytes: json({ version: 1, sessions: [] }), says: 'field "sessions" has the wrong type' },
  { name: 'a session in an unknown state', bytes: json({ version: 1, sessions: { 'ccl-auto-11': { state: 'dancing' } } }), says: 'session "ccl-auto-11" is malformed' },
  { name: 'counters as text', bytes: json({ version: 1, counters: 'many' }), says: 'field "counters" has the wrong type' },
];
