import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordedTranscriptTail } from '../../../src/sessions/observe.js';
import { idleSession, type SessionRecord } from '../../../src/base/core/state.js';
import { tempDir } from '../../support/temp.js';

const ID = '6f1c2d3e-4a5b-4c6d-8e7f-a1b2c3d4e5f6';
const NOW = new Date('2026-12-02T10:00:00Z');

async function transcriptUnder(home: string, cwd: string, id = ID): Promise<void> {
  const dir = join(home, 'projects', cwd.replace(/[^A-Za-z0-9]/g, '-'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${id}.jsonl`), JSON.stringify({ type: 'user', message: { content: '[a.md] do it' }, timestamp: NOW.toISOString() }) + '\n');
}

const working = (extra: Record<string, unknown>): SessionRecord => ({ ...idleSession(NOW), state: 'working', task: '/p/a.md.dispatched', ...extra });

describe('recordedTranscriptTail: a pool session\'s transcript from the id its launch recorded', () => {
  it('reads <home>/projects/<encoded project>/<id>.jsonl, with no registry involved', async () => {
    const root = await tempDir();
    const home = join(root, '.claude-main');
    const project = join(root, 'proj');
    await mkdir(project);
    await transcriptUnder(home, project);
    const records = await recordedTranscriptTail(working({ project, home, conversationId: ID.toUpperCase() }));
    expect(records?.map((r) => r.type)).toEqual(['user']);
  });

  it('finds it under the real folder when the configured project is a link (Claude Code names it after its cwd)', async () => {
    const root = await tempDir();
    const home = join(root, '.claude-main');
    await mkdir(join(root, 'real-proj'));
    await symlink(join(root, 'real-proj'), join(root, 'linked'));
    await transcriptUnder(home, join(root, 'real-proj'));
    expect(await recordedTranscriptTail(working({ project: join(root, 'linked'), home, conversationId: ID }))).toHaveLength(1);
  });

  it('nothing without a valid recorded id, a home or a project, or before the transcript exists', async () => {
    const root = await tempDir();
    const home = join(root, '.claude-main');
    const project = join(root, 'proj');
    await transcriptUnder(home, project);
    expect(await recordedTranscriptTail(working({ project, home }))).toBeNull();
    expect(await recordedTranscriptTail(working({ project, home, conversationId: '../../etc/passwd' }))).toBeNull();
    expect(await recordedTranscriptTail(working({ project, conversationId: ID }))).toBeNull();
    expect(await recordedTranscriptTail(working({ project, home, conversationId: '11111111-2222-4333-8444-555555555555' }))).toBeNull();
    expect(await recordedTranscriptTail(undefined)).toBeNull();
  });
});
