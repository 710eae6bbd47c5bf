import { describe, expect, it } from 'vitest';
import { decide, modelFor, normalizePreferredAi, taskMessage } from '../../../src/queue/core/routing.js';
import { parseTask } from '../../../src/queue/core/task.js';

const route = (frontmatter: string) => {
  const parsed = parseTask(`---\n${frontmatter}\n---\nbody\n`);
  if (!parsed.ok) throw new Error(parsed.reason);
  return decide(parsed.task.fields);
};

describe('decide (first match wins)', () => {
  it('row 1: needs_claude_code wins over everything', () => {
    expect(route('needs_claude_code: true\nallow_delegation: true\npreferred_ai: gpu')).toEqual({
      provider: 'claude-code',
      reason: 'needs_claude_code=true',
      delegated: false,
    });
  });

  it('row 2: preferred_ai claude-code stays local even when delegation is allowed', () => {
    expect(route('preferred_ai: claude-code\nallow_delegation: true')).toEqual({
      provider: 'claude-code',
      reason: 'preferred_ai=claude-code',
      delegated: false,
    });
  });

  it('row 3: without allow_delegation: true the task runs locally (the default)', () => {
    for (const fm of ['preferred_ai: gpu', 'allow_delegation: false\npreferred_ai: gemini', 'title: plain']) {
      const decision = route(fm);
      expect(decision.provider).toBe('claude-code');
      expect(decision.reason).toBe('allow_delegation is not true (default: run locally)');
    }
    const plain = parseTask('no frontmatter at all');
    expect(plain.ok && decide(plain.task.fields).provider).toBe('claude-code');
  });

  it('row 4: gpu, gemini and claude-api are delegated to that provider', () => {
    for (const provider of ['gpu', 'gemini', 'claude-api']) {
      expect(route(`allow_delegation: true\npreferred_ai: ${provider}`)).toEqual({
        provider,
        reason: `preferred_ai=${provider}, allow_delegation=true`,
        delegated: true,
      });
    }
  });

  it('row 5: auto or empty preferred_ai goes to the platform triage', () => {
    expect(route('allow_delegation: true\npreferred_ai: auto')).toMatchObject({ provider: 'auto', delegated: true });
    expect(route('allow_delegation: true')).toMatchObject({ provider: 'auto', delegated: true, reason: expect.stringContaining('(empty)') });
    expect(route('allow_delegation: true\npreferred_ai: ""')).toMatchObject({ provider: 'auto', delegated: true });
  });

  it('row 6: an unknown preferred_ai fails safe to local, naming the value', () => {
    expect(route('allow_delegation: true\npreferred_ai: gpt5')).toEqual({
      provider: 'claude-code',
      reason: 'unknown preferred_ai=gpt5 → fail-safe',
      delegated: false,
    });
  });

  it('preferred_ai is case-insensitive and trimmed', () => {
    expect(route('allow_delegation: true\npreferred_ai: "  GPU "')).toMatchObject({ provider: 'gpu', delegated: true });
    expect(route('allow_delegation: true\npreferred_ai: Claude-Code')).toMatchObject({ provider: 'claude-code', reason: 'preferred_ai=claude-code' });
    expect(route('allow_delegation: true\npreferred_ai: AUTO')).toMatchObject({ provider: 'auto' });
    expect(normalizePreferredAi('  Gemini\t')).toBe('gemini');
    expect(normalizePreferredAi('   ')).toBeNull();
  });
});

describe('model and message', () => {
  const models = { critical: 'opus', default: 'sonnet' };
  it('critical runs on the critical model, everything else on the default', () => {
    expect(modelFor('critical', models)).toBe('opus');
    for (const p of ['high', 'default', 'low'] as const) expect(modelFor(p, models)).toBe('sonnet');
  });

  it('builds `[<file>] <body>` + blank line + suffix', () => {
    expect(taskMessage('fix.md', '\nFix the bug.\n', 'IMPORTANT: do it.')).toBe('[fix.md] Fix the bug.\n\nIMPORTANT: do it.');
    expect(taskMessage('fix.md', 'Fix.', '')).toBe('[fix.md] Fix.');
  });
});
