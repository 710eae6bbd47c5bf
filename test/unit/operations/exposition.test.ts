import { describe, expect, it } from 'vitest';
import { renderExposition, type MetricFamily } from '../../../src/operations/core/exposition.js';
import { parseOpenMetrics, prometheusTypes } from '../../support/openmetrics.js';

const families = (): MetricFamily[] => [
  {
    name: 'demo_tasks',
    type: 'gauge',
    help: 'Tasks per project.\nSecond line with a \\ backslash.',
    unit: null,
    samples: [
      { labels: { project: '/home/op/src/web "shop"', state: 'pending' }, value: 3 },
      { labels: { project: 'C:\\odd\npath', state: 'pending' }, value: 0 },
    ],
  },
  { name: 'demo_swaps', type: 'counter', help: 'Swaps done.', unit: null, samples: [{ labels: {}, value: 2 }] },
  { name: 'demo_until_seconds', type: 'gauge', help: 'A time.', unit: 'seconds', samples: [{ labels: { account: 'main' }, value: 1796188020.005 }] },
  { name: 'demo_empty', type: 'gauge', help: 'No samples yet.', unit: null, samples: [] },
];

describe('OpenMetrics exposition', () => {
  it('passes the strict parser: descriptors, escaped labels, _total counters, units, # EOF last', () => {
    const text = renderExposition(families(), 'openmetrics');
    const parsed = parseOpenMetrics(text);
    expect([...parsed.keys()]).toEqual(['demo_tasks', 'demo_swaps', 'demo_until_seconds', 'demo_empty']);
    // The values come back exactly: quotes, backslashes and newlines survive the escaping.
    expect(parsed.get('demo_tasks')?.samples.map((s) => s.labels.project)).toEqual(['/home/op/src/web "shop"', 'C:\\odd\npath']);
    expect(parsed.get('demo_swaps')).toMatchObject({ type: 'counter', samples: [{ name: 'demo_swaps_total', labels: {}, value: 2 }] });
    expect(parsed.get('demo_until_seconds')).toMatchObject({ unit: 'seconds', samples: [{ value: 1796188020.005 }] });
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text).toContain('# HELP demo_tasks Tasks per project.\\nSecond line with a \\\\ backslash.\n');
  });

  it('the textfile dialect names counters by their sample, as node_exporter needs, and has no UNIT lines', () => {
    const text = renderExposition(families(), 'prometheus');
    const types = prometheusTypes(text);
    expect(types.get('demo_swaps_total')).toBe('counter');
    expect(types.get('demo_tasks')).toBe('gauge');
    expect(text).toContain('demo_swaps_total 2\n');
    expect(text).not.toContain('# UNIT');
    expect(text.endsWith('# EOF\n')).toBe(true);
    // The same samples as the OpenMetrics text, line for line.
    const samples = (t: string) => t.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(samples(text)).toEqual(samples(renderExposition(families(), 'openmetrics')));
  });

  it('the strict parser itself refuses what a scraper refuses', () => {
    const bad = [
      '# TYPE a gauge\n# HELP a x\na 1\n', // no # EOF
      '# TYPE a gauge\n# HELP a x\na 1\n\n# EOF\n', // blank line
      '# TYPE a gauge\n# HELP a x\n# a comment\na 1\n# EOF\n', // stray comment
      '# TYPE a gauge\n# HELP a x\na{l="x\\q"} 1\n# EOF\n', // bad escape
      '# TYPE a gauge\n# HELP a x\na{l="x"} 1\na{l="x"} 2\n# EOF\n', // repeated label set
      '# TYPE a counter\n# HELP a x\na 1\n# EOF\n', // counter sample without _total
      '# TYPE a gauge\n# HELP a x\na 1\n# TYPE b gauge\n# HELP b y\nb 1\na 2\n# EOF\n', // interleaved
      '# TYPE a gauge\na 1\n# EOF\n', // no HELP
      '# TYPE a gauge\n# HELP a x\na one\n# EOF\n', // not a number
    ];
    for (const text of bad) expect(() => parseOpenMetrics(text), text).toThrow();
  });

  it('refuses to render families no scraper would accept', () => {
    const base = families();
    expect(() => renderExposition([...base, base[0] as MetricFamily], 'openmetrics')).toThrow(/repeated/);
    expect(() => renderExposition([{ ...(base[1] as MetricFamily), name: 'demo_swaps_total' }], 'openmetrics')).toThrow(/_total/);
    expect(() => renderExposition([{ ...(base[2] as MetricFamily), unit: 'bytes' }], 'openmetrics')).toThrow(/unit/);
    expect(() => renderExposition([{ ...(base[3] as MetricFamily), help: 'a "quoted" word' }], 'openmetrics')).toThrow(/quote/);
    const twice = { ...(base[0] as MetricFamily), samples: [{ labels: { a: '1' }, value: 1 }, { labels: { a: '1' }, value: 2 }] };
    expect(() => renderExposition([twice], 'openmetrics')).toThrow(/label set/);
    expect(() => renderExposition([{ ...twice, samples: [{ labels: { 'bad-name': 'x' }, value: 1 }] }], 'openmetrics')).toThrow(/label/);
  });

  it('renders special values as the format spells them', () => {
    const text = renderExposition([{ name: 'v', type: 'gauge', help: 'h', unit: null, samples: [{ labels: { k: 'a' }, value: NaN }, { labels: { k: 'b' }, value: Infinity }, { labels: { k: 'c' }, value: -Infinity }] }], 'openmetrics');
    expect(parseOpenMetrics(text).get('v')?.samples.map((s) => s.value)).toEqual([NaN, Infinity, -Infinity]);
  });
});
