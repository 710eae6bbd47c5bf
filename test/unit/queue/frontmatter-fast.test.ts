import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSimpleFrontmatter } from '../../../src/queue/core/frontmatter-fast.js';

/** Every line here must give exactly what the real YAML parser gives, or be left to it (undefined). */
const SAMPLES = [
  'title: Fix the build',
  'title: "Quoted: with colon"',
  "title: 'single quoted'",
  'priority: high\nallow_delegation: true\nneeds_claude_code: False\npreferred_ai: GPU',
  'tags: [a, b, c]',
  'tags: []',
  'tags: [1, two, true, null]',
  'tags: ["x y", \'z\']',
  'count: 42\nratio: 1.5\nexp: 1e3\nneg: -7\nplus: +3',
  'empty:\nnull1: ~\nnull2: null\nnull3: NULL',
  'flag: TRUE\nother: yes\nno_bool: no\non: on',
  'version: 1.2.3',
  'octal: 0o17\nhex: 0x1F\nleading_zero: 012',
  'inf: .inf\nnan: .NaN',
  'title: a # comment',
  '# only a comment\ntitle: x',
  'title: value with trailing spaces   ',
  'key-with-dash: v\nkey_with_underscore: w',
  'path: /home/op/src (copy)',
  'url: http://example.com',
  'title: &anchor x\nother: *anchor',
  'list:\n  - a\n  - b',
  'title: >\n  folded',
  'title: "escaped \\" quote"',
  'tags: [a, [b]]',
  'dup: 1\ndup: 2',
  'title: x: y',
  'title: -leading dash',
  'title: a,b',
  'big: 123456789012345678901234567890',
  '"quoted key": v',
  'title: ✓ non-ascii',
];

describe('parseSimpleFrontmatter', () => {
  it('gives exactly what the real YAML parser gives, or defers to it', () => {
    let fastPaths = 0;
    for (const sample of SAMPLES) {
      const fast = parseSimpleFrontmatter(sample);
      if (fast === undefined) continue; // Deferred to the real parser: always safe.
      fastPaths++;
      expect(fast, sample).toEqual(parse(sample));
    }
    // Most realistic samples must take the fast path, or the comparison above proves little.
    expect(fastPaths).toBeGreaterThanOrEqual(15);
  });

  it('takes the fast path for the frontmatter tasks really have', () => {
    expect(parseSimpleFrontmatter('title: Task 1\npriority: high\ntags: [bench, generated]\nallow_delegation: true\npreferred_ai: gpu\ncomplexity_hint: medium')).toEqual({
      title: 'Task 1',
      priority: 'high',
      tags: ['bench', 'generated'],
      allow_delegation: true,
      preferred_ai: 'gpu',
      complexity_hint: 'medium',
    });
  });

  it('defers everything it cannot be sure about', () => {
    for (const sample of ['a: &x 1', 'a: *x', 'a:\n  - b', 'a: |\n  b', 'a: "\\n"', 'a: !!str 1', 'a: {b: 1}', 'a: 0x10', 'dup: 1\ndup: 2', ' indented: 1']) {
      expect(parseSimpleFrontmatter(sample), sample).toBeUndefined();
    }
  });
});
