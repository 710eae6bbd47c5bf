/**
 * Metric families rendered as text, in two dialects of one model:
 *
 * - `openmetrics` (what `metrics` prints): `# TYPE`/`# HELP`/`# UNIT` name the family, a counter family `x` has the
 *   sample `x_total`, and the text ends with `# EOF`.
 * - `prometheus` (what `metrics --textfile` writes): node_exporter's textfile collector reads the older Prometheus
 *   text format, where `# TYPE` must name the sample itself (`x_total`) or the counter loses its type and help there,
 *   and `# UNIT` is unknown. `# EOF` is kept: to that parser it is a comment, and it marks a complete file.
 *
 * Both escape label values (`\` `"` newline) and help text the same way, so one test parser checks both.
 */

export type MetricType = 'gauge' | 'counter';
export type Dialect = 'openmetrics' | 'prometheus';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** The family name; a counter's samples get `_total` appended. */
  name: string;
  type: MetricType;
  help: string;
  /** OpenMetrics unit, which must end the family name (`seconds`). */
  unit: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const escapeLabelValue = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
/** Help text: backslash and newline, the escapes both dialects share (a quote has none in the older one: refused). */
const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function sampleLine(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels);
  const set = labels.length === 0 ? '' : `{${labels.map(([key, value]) => `${key}="${escapeLabelValue(value)}"`).join(',')}}`;
  return `${name}${set} ${formatValue(sample.value)}`;
}

/** Refuses what no scraper would accept (a bad name, a repeated family or label set): that is a bug here, not data. */
function check(families: readonly MetricFamily[]): void {
  const names = new Set<string>();
  for (const family of families) {
    if (!METRIC_NAME.test(family.name) || names.has(family.name)) throw new Error(`metric family ${JSON.stringify(family.name)} is invalid or repeated`);
    if (family.type === 'counter' && family.name.endsWith('_total')) throw new Error(`counter family ${family.name} must be named without _total`);
    if (family.unit !== null && !family.name.endsWith(`_${family.unit}`)) throw new Error(`metric ${family.name} must end with its unit ${family.unit}`);
    if (family.help.includes('"')) throw new Error(`help of ${family.name} has a quote, which the Prometheus text format cannot carry`);
    names.add(family.name);
    const sets = new Set<string>();
    for (const sample of family.samples) {
      for (const key of Object.keys(sample.labels)) if (!LABEL_NAME.test(key)) throw new Error(`label ${JSON.stringify(key)} of ${family.name} is invalid`);
      const set = JSON.stringify(Object.entries(sample.labels).sort());
      if (sets.has(set)) throw new Error(`metric ${family.name} repeats the label set ${set}`);
      sets.add(set);
    }
  }
}

export function renderExposition(families: readonly MetricFamily[], dialect: Dialect): string {
  check(families);
  const lines: string[] = [];
  for (const family of families) {
    const sampleName = family.type === 'counter' ? `${family.name}_total` : family.name;
    const metadataName = dialect === 'openmetrics' ? family.name : sampleName;
    lines.push(`# TYPE ${metadataName} ${family.type}`);
    if (dialect === 'openmetrics' && family.unit !== null) lines.push(`# UNIT ${metadataName} ${family.unit}`);
    lines.push(`# HELP ${metadataName} ${escapeHelp(family.help)}`);
    for (const sample of family.samples) lines.push(sampleLine(sampleName, sample));
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}
