import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

/**
 * `npm run demo`: a self-contained tour on an embedded default — a temp HOME with two fake accounts and a config,
 * a few tasks in a project inbox — running the real CLI. Nothing outside the temp dir is touched.
 */
const BIN = fileURLToPath(new URL('../../../bin/claude-failover.js', import.meta.url));
const DELEGATE = fileURLToPath(new URL('../../../bin/ccl-delegate.js', import.meta.url));

const home = await mkdtemp(join(tmpdir(), 'claude-failover-demo-'));
const project = join(home, 'src', 'webshop');
const env = { ...process.env, HOME: home, CLAUDE_FAILOVER_CONFIG: join(home, 'config.yaml') };

async function step(title: string, bin: string, args: string[]): Promise<void> {
  console.log(`\n\u2500\u2500 ${title}\n$ ${bin === BIN ? 'claude-failover' : 'ccl-delegate'} ${args.join(' ')}`);
  const run = await execa('node', [bin, ...args], { env, reject: false, all: true, timeout: 60_000 });
  console.log(run.all);
}

try {
  await mkdir(join(project, '.agent-queue', 'inbox'), { recursive: true });
  await writeFile(
    env.CLAUDE_FAILOVER_CONFIG,
    stringify({
      accounts: [
        { name: 'main', home: '~/.claude-main' },
        { name: 'backup', home: '~/.claude-backup' },
      ],
      projects: ['~/src/webshop'],
      state_dir: '~/state',
    }),
  );
  const inbox = join(project, '.agent-queue', 'inbox');
  await writeFile(join(inbox, 'fix-login.md'), '---\ntitle: Fix the login test\npriority: critical\n---\nThe login test is flaky; fix it.\n');
  await writeFile(join(inbox, 'summarise-logs.md'), '---\ntitle: Summarise logs\nallow_delegation: true\npreferred_ai: gemini\n---\nSummarise yesterday\'s logs.\n');
  await writeFile(join(inbox, 'typo.md'), '---\ntitle: Broken\npriority: urgent\n---\nThis task has a bad priority.\n');

  console.log(`demo HOME: ${home}`);
  await step('route a task without touching anything', DELEGATE, ['decide', join(inbox, 'summarise-logs.md')]);
  await step('scan every inbox: route the good tasks, quarantine the bad one', BIN, ['scan-inbox']);
  console.log(`\nfailed/ now holds: ${(await readdir(join(project, '.agent-queue', 'failed'))).join(', ')}`);
} finally {
  await rm(home, { recursive: true, force: true });
}
