/**
 * A fast path for the frontmatter almost every task has: flat `key: value` lines with plain or simply quoted
 * scalars and one-line `[a, b]` lists. Loading the full YAML parser per task costs more than reading the file
 * (scan-inbox reads thousands), so this reads what it can be *certain* about and returns undefined for anything
 * else — anchors, block lists, multi-line values, escapes, tags — which then goes to the real YAML parser. It
 * resolves scalars like YAML 1.2's core schema (what `yaml` uses), and a test holds the two to the same results.
 */

const KEY = /^([A-Za-z_][A-Za-z0-9_-]*):(?:[ \t]+(.*))?$/;
/** Plain scalars we accept: no YAML indicator characters anywhere, no leading `-`, `?`, or `:`. */
const SAFE_PLAIN = /^[A-Za-z0-9_.+/()~ ,-]*$/;
const INT = /^[-+]?(0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

export type FastValue = string | number | boolean | null | Array<string | number | boolean | null>;

export function parseSimpleFrontmatter(text: string): Record<string, FastValue> | undefined {
  const result: Record<string, FastValue> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trimEnd();
    if (line === '' || /^#/.test(line)) continue;
    const match = KEY.exec(line);
    if (!match) return undefined;
    const key = match[1] as string;
    if (Object.prototype.hasOwnProperty.call(result, key)) return undefined; // Let YAML report the duplicate.
    const value = parseValue((match[2] ?? '').trim());
    if (value === undefined) return undefined;
    result[key] = value;
  }
  return result;
}

function parseValue(text: string): FastValue | undefined {
  if (text === '') return null;
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return undefined;
    const inner = text.slice(1, -1).trim();
    if (inner === '') return [];
    const items: Array<string | number | boolean | null> = [];
    for (const part of inner.split(',')) {
      const item = parseScalar(part.trim());
      if (item === undefined || part.trim() === '') return undefined;
      items.push(item);
    }
    return items;
  }
  return parseScalar(text);
}

function parseScalar(text: string): string | number | boolean | null | undefined {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    const inner = text.slice(1, -1);
    return /["\\]/.test(inner) ? undefined : inner;
  }
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) {
    const inner = text.slice(1, -1);
    return inner.includes("'") ? undefined : inner;
  }
  if (!SAFE_PLAIN.test(text) || /^[-?:,]/.test(text) || text.includes(' #') || text.endsWith(',')) return undefined;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^(~|null|Null|NULL)$/.test(text)) return null;
  if (INT.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (FLOAT.test(text)) return Number(text);
  // Anything number-like we did not fully recognise (hex, octal, .inf, .nan) goes to the real parser.
  if (/^[-+]?[0-9.]/.test(text) || /^\.(inf|nan)/i.test(text)) return undefined;
  return text;
}
