import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** The CLI as operators run it: executed directly, so its shebang (node and its flags) applies. */
export const BIN = new URL('../../bin/claude-failover.js', import.meta.url).pathname;

const homes: string[] = [];

/** Removes every temp HOME benchHome made (10,000 task files each): the bench leaves nothing behind. */
export async function removeBenchHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((home) => rm(home, { recursive: true, force: true })));
}

/** A temp HOME with a config listing `projects` project dirs (created, with empty inboxes); see removeBenchHomes. */
export async function benchHome(projects: number, extra: Record<string, unknown> = {}): Promise<{ home: string; config: string; projectDirs: string[] }> {
  const home = await mkdtemp(join(tmpdir(), 'cf-bench-'));
  homes.push(home);
  const projectDirs = Array.from({ length: projects }, (_, i) => join(home, 'src', `project-${i}`));
  for (const dir of projectDirs) await mkdir(join(dir, '.agent-queue', 'inbox'), { recursive: true });
  const config = join(home, 'config.yaml');
  await writeFile(
    config,
    stringify({
      accounts: [{ name: 'main', home: join(home, '.claude-main') }],
      active_link: join(home, '.claude'),
      shared: { root: join(home, '.claude-shared') },
      state_dir: join(home, 'state'),
      resume_dir: join(home, '.claude-context'),
      projects: projectDirs,
      ...extra,
    }),
  );
  return { home, config, projectDirs };
}

const PRIORITIES = ['critical', 'high', 'default', 'low'];

/** Realistic task files: frontmatter with every routing field, a body of a few hundred bytes. */
export async function writeTasks(projectDirs: string[], total: number): Promise<void> {
  const perProject = Math.ceil(total / projectDirs.length);
  let written = 0;
  for (const dir of projectDirs) {
    const writes: Promise<void>[] = [];
    for (let i = 0; i < perProject && written < total; i++, written++) {
      const text = [
        '---',
        `title: Task ${written}`,
        `priority: ${PRIORITIES[written % 4]}`,
        'tags: [bench, generated]',
        `allow_delegation: ${written % 3 === 0}`,
        `preferred_ai: ${written % 3 === 0 ? 'gpu' : 'auto'}`,
        'complexity_hint: medium',
        '---',
        `Please look at module ${written} and fix the flaky test.`.repeat(6),
        '',
      ].join('\n');
      writes.push(writeFile(join(dir, '.agent-queue', 'inbox', `task-${String(written).padStart(5, '0')}.md`), text));
    }
    await Promise.all(writes);
  }
}
