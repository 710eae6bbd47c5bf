import { describe, expect, it } from 'vitest';
import { printable } from '../../../src/base/core/format.js';
import { launchCommandLine, typeable } from '../../../src/claude-code/core/launch.js';
import { MAX_NAME_BYTES, describeRawName, isUnsafeName, printableName, unsafeNameReason } from '../../../src/queue/core/task-name.js';

describe('task names that are not printable text', () => {
  it('control characters, U+FFFD and names too long for their markers are unsafe; ordinary odd names are not', () => {
    for (const name of ['a\nb.md', 'tab\t.md', 'esc\u001b[31m.md', 'c1\u009b.md', 'del\u007f.md', 'lossy\uFFFD.md', `${'n'.repeat(MAX_NAME_BYTES - 2)}.md`]) {
      expect(isUnsafeName(name), JSON.stringify(name)).toBe(true);
    }
    for (const name of ['with space.md', "it's.md", '$(touch x).md', '#(cd).md', 'ünïcødé 日本.md', `${'n'.repeat(MAX_NAME_BYTES - 3)}.md`]) {
      expect(isUnsafeName(name), name).toBe(false);
    }
    // A marker beside a task of acceptable length is judged by its task's name.
    expect(isUnsafeName(`${'n'.repeat(MAX_NAME_BYTES - 3)}.md.delegating`, `${'n'.repeat(MAX_NAME_BYTES - 3)}.md`)).toBe(false);
  });

  it('gives the reason from the raw bytes', () => {
    expect(unsafeNameReason(Buffer.from([0x61, 0xff, 0x2e, 0x6d, 0x64]))).toBe('the task file name is not valid UTF-8');
    expect(unsafeNameReason(Buffer.from('a\nb.md'))).toMatch(/control characters/);
    expect(unsafeNameReason(Buffer.from('a\uFFFD.md'))).toMatch(/U\+FFFD/);
    expect(unsafeNameReason(Buffer.from(`${'n'.repeat(300)}.md`))).toMatch(/too long \(303 bytes; at most 200/);
    expect(unsafeNameReason(Buffer.from('fine name.md'))).toBeNull();
  });

  it('a printable name keeps .md, replaces what is unsafe with _ and fits the limit', () => {
    expect(printableName('new\nline.md')).toBe('new_line.md');
    expect(printableName('esc\u001b[31m\uFFFD.md')).toBe('esc_[31m_.md');
    expect(printableName('x.md.delegated')).toBe('x.md.delegated.md');
    const long = printableName(`${'日'.repeat(200)}.md`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(long).toMatch(/^日+\.md$/);
  });

  it('the raw name is shown with every unprintable byte as \\xNN', () => {
    expect(describeRawName(Buffer.concat([Buffer.from('café-'), Buffer.from([0xe9, 0xff, 0x1b, 0x5c]), Buffer.from('.md')]))).toBe('café-\\xe9\\xff\\x1b\\x5c.md');
  });
});

describe('text from outside, printed or typed', () => {
  it('printable escapes control characters but keeps newlines, tabs and Unicode', () => {
    expect(printable('a\u001b]0;t\u0007b\n\tc\u009b ü')).toBe('a\\x1b]0;t\\x07b\n\tc\\x9b ü');
  });

  it('a command line with a control character is never typed', () => {
    expect(typeable("cd '/p; touch x' && claude")).toBe("cd '/p; touch x' && claude");
    expect(() => typeable("cd '/p\u0015touch x #'")).toThrow(/control character/);
    expect(() => launchCommandLine({ project: '/p\u0003', home: '/h', claudeCommand: 'claude', model: 'sonnet', conversation: { kind: 'new', id: '6f1c2d3e-4a5b-4c6d-8e7f-a1b2c3d4e5f6' } })).toThrow(/control character/);
  });
});
