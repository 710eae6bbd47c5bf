/**
 * A strict reader of the OpenMetrics text format, for tests: every line is a descriptor (`# TYPE`, `# HELP`,
 * `# UNIT`), a sample, or the final `# EOF`; no other comment, no blank line; each family is declared once, with TYPE
 * and HELP, before its samples, and its lines are not interleaved with another family's; a counter's samples are
 * `<family>_total`; label values use only the `\\`, `\"` and `\n` escapes; a label set appears once per family.
 * Anything else throws, naming the line.
 */

export interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  type: string;
  help: string;
  unit: string | null;
  samples: ParsedSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const NUMBER = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;
const TYPES = new Set(['gauge', 'counter', 'stateset', 'info', 'histogram', 'gaugehistogram', 'summary', 'unknown']);

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!NUMBER.test(text)) throw new Error(`${where}: ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

/** `{a="x",b="y\"z"} 3` → labels and the rest of the line. */
function parseLabels(text: string, where: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
  for (;;) {
    const eq = text.indexOf('=', i);
    if (eq === -1) throw new Error(`${where}: a label without "="`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: invalid label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: label ${name} repeated`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value of ${name} is not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`${where}: unterminated label value of ${name}`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`${where}: invalid escape \\${next ?? ''} in label ${name}`);
        j += 2;
        continue;
      }
      value += c;
      j += 1;
    }
    labels[name] = value;
    const after = text[j + 1];
    if (after === '}') return { labels, rest: text.slice(j + 2) };
    if (after !== ',') throw new Error(`${where}: expected "," or "}" after label ${name}`);
    i = j + 2;
  }
}

export function parseOpenMetrics(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('# EOF\n') && !text.endsWith('# EOF')) throw new Error('the text does not end with "# EOF"');
  const lines = text.replace(/\n$/, '').split('\n');
  if (lines.at(-1) !== '# EOF' || lines.indexOf('# EOF') !== lines.length - 1) throw new Error('"# EOF" must be the last line, once');
  const families = new Map<string, ParsedFamily>();
  const finished = new Set<string>();
  let current: string | null = null;
  const enter = (name: string, where: string) => {
    if (name === current) return;
    if (current !== null) finished.add(current);
    if (finished.has(name)) throw new Error(`${where}: family ${name} appears again after another family (interleaved or declared twice)`);
    current = name;
  };
  lines.slice(0, -1).forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line === '') throw new Error(`${where}: blank line`);
    if (line.startsWith('#')) {
      const match = /^# (TYPE|HELP|UNIT) ([^ ]+) (.*)$/.exec(line);
      if (!match) throw new Error(`${where}: a comment that is not TYPE, HELP or UNIT: ${line}`);
      const [, keyword, name, rest] = match as unknown as [string, 'TYPE' | 'HELP' | 'UNIT', string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: invalid metric name ${name}`);
      enter(name, where);
      const family = families.get(name) ?? { type: '', help: '', unit: null, samples: [] };
      if (family.samples.length > 0) throw new Error(`${where}: ${keyword} of ${name} after its samples`);
      if (keyword === 'TYPE') {
        if (family.type !== '') throw new Error(`${where}: second TYPE for ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (rest === 'counter' && name.endsWith('_total')) throw new Error(`${where}: counter family ${name} named with _total`);
        family.type = rest;
      } else if (keyword === 'HELP') {
        if (family.help !== '') throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n"]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: invalid escape in HELP of ${name}`);
        if (/(^|[^\\])"/.test(rest)) throw new Error(`${where}: unescaped quote in HELP of ${name}`);
        family.help = rest;
      } else {
        if (family.unit !== null) throw new Error(`${where}: second UNIT for ${name}`);
        if (!name.endsWith(`_${rest}`)) throw new Error(`${where}: ${name} does not end with its unit ${rest}`);
        family.unit = rest;
      }
      families.set(name, family);
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: not a sample: ${line}`);
    const sampleName = line.slice(0, nameEnd);
    const { labels, rest } = line[nameEnd] === '{' ? parseLabels(line.slice(nameEnd), where) : { labels: {}, rest: line.slice(nameEnd) };
    if (!rest.startsWith(' ')) throw new Error(`${where}: no space before the value`);
    const parts = rest.slice(1).split(' ');
    if (parts.length > 2) throw new Error(`${where}: trailing text after the value`);
    const value = parseValue(parts[0] as string, where);
    if (current === null) throw new Error(`${where}: sample ${sampleName} before any TYPE`);
    const family = families.get(current) as ParsedFamily;
    const expected = family.type === 'counter' ? [`${current}_total`, `${current}_created`] : [current];
    if (!expected.includes(sampleName)) throw new Error(`${where}: sample ${sampleName} does not belong to family ${current} (${family.type})`);
    if (family.type === 'counter' && sampleName.endsWith('_total') && value < 0) throw new Error(`${where}: negative counter`);
    const set = JSON.stringify([sampleName, Object.entries(labels).sort()]);
    if (family.samples.some((s) => JSON.stringify([s.name, Object.entries(s.labels).sort()]) === set)) throw new Error(`${where}: label set repeated in ${current}`);
    family.samples.push({ name: sampleName, labels, value });
  });
  for (const [name, family] of families) {
    if (family.type === '') throw new Error(`family ${name} has no TYPE`);
    if (family.help === '') throw new Error(`family ${name} has no HELP`);
  }
  return families;
}

/**
 * The older Prometheus text format as node_exporter's textfile collector reads it: `# TYPE` and `# HELP` name the
 * sample itself (a counter's `_total` included), no `# UNIT`. Returns the TYPE of each sample name.
 */
export function prometheusTypes(text: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# UNIT')) throw new Error(`UNIT line in the Prometheus text format: ${line}`);
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] as string, type[2] as string);
    if (line === '' || line.startsWith('#')) continue;
    const name = line.slice(0, line.search(/[{ ]/));
    if (!types.has(name)) throw new Error(`sample ${name} has no TYPE of its own name (node_exporter would read it untyped)`);
  }
  return types;
}
