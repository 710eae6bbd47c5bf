import { describe, expect, it } from 'vitest';
import { MAX_TASK_BYTES, decodeTaskBytes, parseTask } from '../../../src/queue/core/task.js';

const fields = (text: string) => {
  const parsed = parseTask(text);
  if (!parsed.ok) throw new Error(`expected valid, got: ${parsed.reason}`);
  return parsed.task;
};
const reason = (text: string) => {
  const parsed = parseTask(text);
  if (parsed.ok) throw new Error('expected invalid');
  return parsed.reason;
};

describe('parseTask', () => {
  it('reads every routing field with its type', () => {
    const task = fields(
      '---\ntitle: Refactor\npriority: High\ntags: [a, b]\nneeds_claude_code: false\npreferred_ai: " Gemini "\nallow_delegation: true\ncomplexity_hint: medium\nextra: kept out\n---\nDo it.\n',
    );
    expect(task.fields).toEqual({
      title: 'Refactor',
      priority: 'high',
      tags: ['a', 'b'],
      needsClaudeCode: false,
      preferredAi: 'gemini',
      allowDelegation: true,
      complexityHint: 'medium',
    });
    expect(task.body).toBe('Do it.\n');
  });

  it('a file without frontmatter is a valid task with defaults and the whole text as body', () => {
    const task = fields('# Just do this\n\nplease\n');
    expect(task.fields.priority).toBe('default');
    expect(task.fields.allowDelegation).toBe(false);
    expect(task.body).toBe('# Just do this\n\nplease\n');
  });

  it('an empty frontmatter is valid with defaults', () => {
    expect(fields('---\n---\nbody').fields.priority).toBe('default');
    expect(fields('---\n\n---\nbody').body).toBe('body');
  });

  it('tolerates a BOM and CRLF line endings', () => {
    const task = fields('\uFEFF---\r\npriority: critical\r\n---\r\nline 1\r\nline 2\r\n');
    expect(task.fields.priority).toBe('critical');
    expect(task.body).toBe('line 1\nline 2\n');
  });

  it('an unclosed frontmatter is invalid with a precise reason', () => {
    expect(reason('---\ntitle: x\nbody without a closing fence\n')).toMatch(/no closing ---/);
  });

  it('broken YAML is invalid and says so', () => {
    expect(reason('---\ntitle: [unclosed\n---\n')).toMatch(/not valid YAML/);
    expect(reason('---\npriority: high\npriority: low\n---\n')).toMatch(/not valid YAML/);
  });

  it('wrong types are invalid, naming each field', () => {
    const r = reason('---\npriority: urgent\nallow_delegation: "yes"\nneeds_claude_code: 1\ntags: {a: 1}\ncomplexity_hint: huge\npreferred_ai: [gpu]\n---\n');
    expect(r).toContain('priority: expected one of critical, high, default, low, got "urgent"');
    expect(r).toContain('allow_delegation: expected true or false, got "yes"');
    expect(r).toContain('needs_claude_code: expected true or false, got number 1');
    expect(r).toContain('tags: expected a list of words');
    expect(r).toContain('complexity_hint: expected one of low, medium, high');
    expect(r).toContain('preferred_ai: expected text');
  });

  it('a frontmatter that is a list or a scalar is invalid', () => {
    expect(reason('---\n- a\n- b\n---\n')).toMatch(/must be a mapping/);
    expect(reason('---\njust text\n---\n')).toMatch(/must be a mapping/);
  });

  it('refuses YAML alias bombs instead of expanding them', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    ].join('\n');
    expect(reason(`---\n${bomb}\n---\nbody`)).toMatch(/alias/i);
  });

  it('a "---" later in the body is body, not frontmatter', () => {
    expect(fields('intro\n---\nnot: frontmatter\n---\n').body).toBe('intro\n---\nnot: frontmatter\n---\n');
  });
});

describe('decodeTaskBytes', () => {
  it('refuses binary content and invalid UTF-8', () => {
    expect(decodeTaskBytes(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]))).toMatchObject({ ok: false, reason: expect.stringMatching(/binary/) });
    expect(decodeTaskBytes(Buffer.from([0x61, 0xff, 0xfe, 0x62]))).toMatchObject({ ok: false, reason: expect.stringMatching(/UTF-8/) });
  });

  it('refuses a file over the size limit', () => {
    expect(decodeTaskBytes(Buffer.alloc(MAX_TASK_BYTES + 1, 0x61))).toMatchObject({ ok: false, reason: expect.stringMatching(/over the/) });
  });

  it('keeps non-ASCII text intact', () => {
    expect(decodeTaskBytes(Buffer.from('héllo — ✓ 日本', 'utf8'))).toEqual({ ok: true, text: 'héllo — ✓ 日本' });
  });
});
