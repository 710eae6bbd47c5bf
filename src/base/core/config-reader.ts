import { isOneOf } from './json.js';
import { parseDuration } from './duration.js';
import { describeValue, hasControlCharacter } from './format.js';

/**
 * A tiny typed reader over one YAML mapping of the config. It records every problem with its full key path
 * (`pool.autonomous.min`) and what was expected, and refuses keys it was never asked about: a hand-written config
 * with a typo must fail loudly, not be half-ignored.
 */
export class MappingReader {
  private readonly seen = new Set<string>();
  readonly present: boolean;

  constructor(
    private readonly value: Record<string, unknown>,
    private readonly at: string,
    private readonly errors: string[],
    private readonly home: string,
    present = true,
  ) {
    this.present = present;
  }

  static root(value: unknown, errors: string[], home: string): MappingReader {
    if (value === null || value === undefined) return new MappingReader({}, '', errors, home, false);
    if (!isMapping(value)) {
      errors.push(`(top level): expected a mapping of keys, got ${describeValue(value)}`);
      return new MappingReader({}, '', errors, home, false);
    }
    return new MappingReader(value, '', errors, home);
  }

  keyPath(key: string): string {
    return this.at === '' ? key : `${this.at}.${key}`;
  }

  private raw(key: string): unknown {
    this.seen.add(key);
    return this.value[key];
  }

  private fail(key: string, expected: string, got: unknown): void {
    this.errors.push(`${this.keyPath(key)}: expected ${expected}, got ${describeValue(got)}`);
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  mapping(key: string): MappingReader {
    const value = this.raw(key);
    if (value === undefined || value === null) return new MappingReader({}, this.keyPath(key), this.errors, this.home, false);
    if (!isMapping(value)) {
      this.fail(key, 'a mapping of keys', value);
      return new MappingReader({}, this.keyPath(key), [], this.home, false);
    }
    return new MappingReader(value, this.keyPath(key), this.errors, this.home);
  }

  string(key: string, fallback: string): string {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(key, 'a non-empty string', value);
      return fallback;
    }
    return value;
  }

  /** A string that may be empty (free text such as a message suffix). */
  text(key: string, fallback: string): string {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'string') {
      this.fail(key, 'a string', value);
      return fallback;
    }
    return value;
  }

  optionalString(key: string): string | null {
    const value = this.raw(key);
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(key, 'a non-empty string or null', value);
      return null;
    }
    return value;
  }

  requiredString(key: string): string {
    const value = this.raw(key);
    if (typeof value !== 'string' || value.trim() === '') {
      this.fail(key, 'a non-empty string (required)', value);
      return '';
    }
    return value;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback: T): T {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (!isOneOf(choices, value)) {
      this.fail(key, `one of ${choices.join(', ')}`, value);
      return fallback;
    }
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(key, 'true or false', value);
      return fallback;
    }
    return value;
  }

  integer(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
      this.fail(key, `an integer ${range}`, value);
      return fallback;
    }
    return value;
  }

  /** A duration string (`30s`, `5m`, `2h`) in milliseconds. */
  duration(key: string, fallback: string): number {
    const value = this.raw(key);
    const text = value === undefined || value === null ? fallback : value;
    const ms = typeof text === 'string' ? parseDuration(text) : undefined;
    if (ms === undefined) {
      this.fail(key, 'a duration such as "30s", "5m" or "2h"', value);
      return parseDuration(fallback) ?? 0;
    }
    return ms;
  }

  /** A filesystem path: `~` expands to the home directory; relative paths are refused (timers have no useful cwd). */
  path(key: string, fallback: string): string {
    return this.checkPath(this.keyPath(key), this.string(key, fallback));
  }

  /** A path that may be absent or null (then null). */
  optionalPath(key: string): string | null {
    const value = this.optionalString(key);
    return value === null ? null : this.checkPath(this.keyPath(key), value);
  }

  requiredPath(key: string): string {
    const value = this.requiredString(key);
    return value === '' ? '' : this.checkPath(this.keyPath(key), value);
  }

  /** `where` is the full key path of the value, e.g. `projects[2]`. */
  private checkPath(where: string, value: string): string {
    const expanded = expandHome(value, this.home);
    if (!expanded.startsWith('/')) {
      this.errors.push(`${where}: expected an absolute path or one starting with ~/, got ${describeValue(value)}`);
    }
    // Paths are typed into the shells of tmux sessions (`cd '<project>'`): quoting protects against `;`, `$()` and
    // quotes, but a control character is a keystroke there (Ctrl-U erases the line typed so far).
    if (hasControlCharacter(value)) this.errors.push(`${where}: expected a path without control characters (it is typed into a shell), got ${JSON.stringify(value)}`);
    return expanded;
  }

  stringList(key: string, fallback: string[]): string[] {
    const value = this.raw(key);
    if (value === undefined || value === null) return fallback;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === '')) {
      this.fail(key, 'a list of non-empty strings', value);
      return fallback;
    }
    return value as string[];
  }

  pathList(key: string): string[] {
    return this.stringList(key, []).map((item, index) => this.checkPath(`${this.keyPath(key)}[${index}]`, item));
  }

  /** A list of mappings, each read by `item`. */
  list<T>(key: string, item: (reader: MappingReader, index: number) => T): T[] {
    const value = this.raw(key);
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail(key, 'a list', value);
      return [];
    }
    const results: T[] = [];
    value.forEach((entry, index) => {
      const entryPath = `${this.keyPath(key)}[${index}]`;
      if (!isMapping(entry)) {
        this.errors.push(`${entryPath}: expected a mapping, got ${describeValue(entry)}`);
        return;
      }
      const reader = new MappingReader(entry, entryPath, this.errors, this.home);
      results.push(item(reader, index));
      reader.done();
    });
    return results;
  }

  error(key: string, message: string): void {
    this.errors.push(`${this.keyPath(key)}: ${message}`);
  }

  /** Reports every key of this mapping that nobody read. */
  done(): void {
    for (const key of Object.keys(this.value)) {
      if (!this.seen.has(key)) {
        const known = [...this.seen].sort().join(', ');
        this.errors.push(`${this.keyPath(key)}: unknown key${known ? ` (known keys here: ${known})` : ''}`);
      }
    }
  }
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return home.replace(/\/+$/, '') + path.slice(1);
  return path;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
