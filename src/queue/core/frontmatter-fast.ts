/**
 * A fast path for the frontmatter almost every task has: flat `key: value` lines with plain or simply quoted
 * scalars and one-line `[a, b]` lists. Loading the full YAML parser per task costs more than reading the file
 * (scan-inbox reads thousands), so this reads what it can be *certain* about and returns undefined for anything
 * else — anchors, block lists, multi-line values, escapes, tags — which then goes to the real YAML parser. It
 * resolves scalars like YAML 1.2's core schema (what `yaml` uses), and a test holds the two to the same results.
 * Written as a character scanner rather than per-line regular expressions: it runs once per task file.
 */

/** Plain scalars we accept: no YAML indicator characters anywhere, no leading `-`, `?`, `:` or `,`. */
const SAFE_PLAIN = /^[A-Za-z0-9_.+/()~ ,-]*$/;
const INT = /^[-+]?(0|[1-9][0-9]*)$/;
const FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** The core schema's booleans and nulls, spelled exactly as it accepts them. */
const KEYWORDS = new Map<string, boolean | null>([
  ['true', true], ['True', true], ['TRUE', true],
  ['false', false], ['False', false], ['FALSE', false],
  ['~', null], ['null', null], ['Null', null], ['NULL', null],
]);

export type FastScalar = string | number | boolean | null;
export type FastValue = FastScalar | FastScalar[];

const isBlank = (code: number) => code === 32 || code === 9; // space, tab
const isKeyStart = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95; // A-Z a-z _
const isKeyChar = (code: number) => isKeyStart(code) || (code >= 48 && code <= 57) || code === 45; // + 0-9 -

export function parseSimpleFrontmatter(text: string): Record<string, FastValue> | undefined {
  const result: Record<string, FastValue> = {};
  for (let start = 0; start <= text.length; ) {
    let next = text.indexOf('\n', start);
    if (next === -1) next = text.length;
    let end = next;
    while (end > start && (isBlank(text.charCodeAt(end - 1)) || text.charCodeAt(end - 1) === 13)) end--;
    if (end > start && text.charCodeAt(start) !== 35 /* # */) {
      if (!isKeyStart(text.charCodeAt(start))) return undefined;
      let colon = start + 1;
      while (colon < end && isKeyChar(text.charCodeAt(colon))) colon++;
      if (colon >= end || text.charCodeAt(colon) !== 58 /* : */) return undefined;
      const key = text.slice(start, colon);
      let valueStart = colon + 1;
      if (valueStart < end && !isBlank(text.charCodeAt(valueStart))) return undefined; // `key:value` is not a mapping
      while (valueStart < end && isBlank(text.charCodeAt(valueStart))) valueStart++;
      if (Object.prototype.hasOwnProperty.call(result, key)) return undefined; // Let YAML report the duplicate.
      const value = parseValue(text.slice(valueStart, end));
      if (value === undefined) return undefined;
      result[key] = value;
    }
    start = next + 1;
  }
  return result;
}

function parseValue(text: string): FastValue | undefined {
  if (text === '') return null;
  if (text.charCodeAt(0) !== 91 /* [ */) return parseScalar(text);
  if (text.charCodeAt(text.length - 1) !== 93 /* ] */) return undefined;
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const items: FastScalar[] = [];
  for (const part of inner.split(',')) {
    const trimmed = part.trim();
    const item = trimmed === '' ? undefined : parseScalar(trimmed);
    if (item === undefined) return undefined;
    items.push(item);
  }
  return items;
}

function parseScalar(text: string): FastScalar | undefined {
  const first = text.charCodeAt(0);
  if (text.length >= 2 && (first === 34 || first === 39) && text.charCodeAt(text.length - 1) === first) {
    const inner = text.slice(1, -1);
    if (first === 34) return inner.includes('"') || inner.includes('\\') ? undefined : inner;
    return inner.includes("'") ? undefined : inner;
  }
  const keyword = KEYWORDS.get(text);
  if (keyword !== undefined) return keyword;
  if (!SAFE_PLAIN.test(text) || first === 45 || first === 63 || first === 58 || first === 44 || text.includes(' #') || text.endsWith(',')) return undefined;
  // Anything that starts like a number is a number we fully recognise, or goes to the real parser (hex, octal,
  // .inf, .nan, 1e9999...).
  if ((first >= 48 && first <= 57) || first === 43 || first === 46) {
    if (INT.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    return FLOAT.test(text) && Number.isFinite(Number(text)) ? Number(text) : undefined;
  }
  return text;
}
