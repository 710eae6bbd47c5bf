import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryLog } from '../../../src/base/log.js';
import { createNotify } from '../../../src/base/notify.js';
import { tempDir } from '../../support/temp.js';

const event = { event: 'swap' as const, at: '2026-11-21T12:00:00.000Z', message: 'swapped main → backup', from: 'main', to: 'backup' };

describe('notify', () => {
  it('runs the command with the event JSON on stdin', async () => {
    const dir = await tempDir();
    const out = join(dir, 'event.json');
    const log = createMemoryLog();
    await createNotify(`cat > '${out}'`, log)(event);
    expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(event);
    expect(log.lines).toEqual([{ level: 'info', message: 'event swap: swapped main → backup' }]);
  });

  it('a failing or missing notifier is logged and never throws', async () => {
    const log = createMemoryLog();
    await createNotify('echo boom >&2; exit 4', log)(event);
    await createNotify('/nonexistent/notifier', log)(event);
    const warnings = log.lines.filter((l) => l.level === 'warn').map((l) => l.message);
    expect(warnings[0]).toBe('notify command exited 4 (event swap): boom');
    expect(warnings[1]).toMatch(/notify command exited 127/);
  });

  it('without a command it only logs the event', async () => {
    const log = createMemoryLog();
    await createNotify(null, log)(event);
    expect(log.lines).toHaveLength(1);
  });
});
