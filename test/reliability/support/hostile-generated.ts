import { mkdir, open, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { MAX_TASK_BYTES } from '../../../src/queue/core/task.js';
import type { HostileInput } from './hostile-corpus.js';

/**
 * Hostile inputs that cannot (or should not) live in git, made in an inbox at run time: a 50 MB task, names no
 * editor would produce, symlinks, a directory, a FIFO and a socket named like tasks.
 */
export interface GeneratedInput extends HostileInput {
  /** The task file's bytes, when it is a regular file (compared with what lands in done/ or failed/). */
  bytes: Buffer | null;
  /** The file name as created (bytes for a name that is not UTF-8). */
  created: string | Buffer;
}

export interface Generated {
  inputs: GeneratedInput[];
  /** A file outside every project that a symlinked task points at: it must stay unread and unchanged. */
  outsideFile: string;
  outsideText: string;
  /** Closes the socket's server (the scan removes the socket file itself). */
  close(): Promise<void>;
}

const plain = (text: string) => Buffer.from(text);

export async function generateInputs(home: string, project: string): Promise<Generated> {
  const inbox = join(project, '.agent-queue', 'inbox');
  const inputs: GeneratedInput[] = [];
  const file = async (name: string, bytes: Buffer, expected: HostileInput['expected'], what: string, shownAs = name) => {
    await writeFile(join(inbox, name), bytes);
    inputs.push({ name: shownAs, created: name, bytes, expected, what });
  };

  // Size: only MAX_TASK_BYTES + 1 bytes of a task are ever read; the limit itself is allowed.
  const big = await open(join(inbox, 'fifty-megabytes.md'), 'w');
  await big.write(Buffer.alloc(1024 * 1024, 'a'), 0, 1024 * 1024, 50 * 1024 * 1024 - 1024 * 1024);
  await big.close();
  inputs.push({ name: 'fifty-megabytes.md', created: 'fifty-megabytes.md', bytes: null, expected: { outcome: 'failed', reason: 'byte limit' }, what: 'a 50 MB task' });
  const line = 'Exactly at the size limit. '.repeat(4) + '\n';
  const atLimit = (line.repeat(Math.ceil(MAX_TASK_BYTES / line.length)) ).slice(0, MAX_TASK_BYTES - 1) + '\n';
  await file('at-the-limit.md', plain(atLimit), { outcome: 'ran' }, 'a task of exactly 1 MiB');
  await file('one-byte-over.md', plain(atLimit + 'x'), { outcome: 'failed', reason: 'byte limit' }, 'a task one byte over 1 MiB');
  await file('huge-title.md', plain(`---\ntitle: "${'T'.repeat(900 * 1024)}"\n---\nA 900 KB title.\n`), { outcome: 'ran' }, 'a 900 KB title');

  // Names a shell would interpret, if any of them ever reached one.
  for (const name of ['with space.md', "it's.md", 'say "hi".md', 'semi;colon.md', '$(touch PWNED).md', 'back`touch PWNED`tick.md', "'; touch PWNED; '.md", 'brackets [x].md', '-rf --no-preserve-root.md']) {
    await file(name, plain(`Task named ${name}: reply with one word.\n`), { outcome: 'ran' }, `a name with shell syntax: ${JSON.stringify(name)}`);
  }
  // Names that are not printable text: quarantined under a printable name.
  const nameReason = 'control characters';
  await file('new\nline.md', plain('A newline in the name.\n'), { outcome: 'failed', reason: nameReason }, 'a newline in the name', 'new_line.md');
  await file('tab\tname.md', plain('A tab in the name.\n'), { outcome: 'failed', reason: nameReason }, 'a tab in the name', 'tab_name.md');
  await file('esc\u001b[31mred\u001b]0;t\u0007.md', plain('ESC sequences in the name.\n'), { outcome: 'failed', reason: nameReason }, 'ESC, CSI and OSC in the name', 'esc_[31mred_]0;t_.md');
  const latin1 = Buffer.concat([plain('latin1-'), Buffer.from([0xe9, 0xff]), plain('.md')]);
  await writeFile(Buffer.concat([plain(`${inbox}/`), latin1]), plain('A name that is not UTF-8.\n'));
  inputs.push({ name: 'latin1-__.md', created: latin1, bytes: plain('A name that is not UTF-8.\n'), expected: { outcome: 'failed', reason: 'not valid UTF-8' }, what: 'a name with bytes that are not UTF-8' });
  await file(`${'n'.repeat(246)}.md`, plain('A name too long for the markers beside it.\n'), { outcome: 'failed', reason: 'too long' }, 'a 249-byte name (its .dispatched claim would not fit in 255 bytes)', `${'n'.repeat(197)}.md`);

  // Links and things that are not files.
  const outsideDir = join(home, 'outside');
  await mkdir(outsideDir, { recursive: true });
  const outsideFile = join(outsideDir, 'secret-notes.md');
  const outsideText = 'OUTSIDE-PROJECT-SECRET: this text must never be read into a task.\n';
  await writeFile(outsideFile, outsideText);
  await symlink(outsideFile, join(inbox, 'link-outside.md'));
  inputs.push({ name: 'link-outside.md', created: 'link-outside.md', bytes: null, expected: { outcome: 'failed', reason: 'symlink' }, what: 'a symlink to a file outside the project' });
  await mkdir(join(project, 'docs'), { recursive: true });
  await writeFile(join(project, 'docs', 'inner.md'), 'A file inside the project.\n');
  await symlink(join(project, 'docs', 'inner.md'), join(inbox, 'link-inside.md'));
  inputs.push({ name: 'link-inside.md', created: 'link-inside.md', bytes: null, expected: { outcome: 'failed', reason: 'symlink' }, what: 'a symlink to a file inside the project' });
  await symlink(join(home, 'nowhere.md'), join(inbox, 'link-dangling.md'));
  inputs.push({ name: 'link-dangling.md', created: 'link-dangling.md', bytes: null, expected: { outcome: 'failed', reason: 'symlink' }, what: 'a dangling symlink' });
  await symlink(outsideDir, join(inbox, 'link-to-dir.md'));
  inputs.push({ name: 'link-to-dir.md', created: 'link-to-dir.md', bytes: null, expected: { outcome: 'failed', reason: 'symlink' }, what: 'a symlink to a directory' });
  await mkdir(join(inbox, 'x.md'));
  await writeFile(join(inbox, 'x.md', 'inside.md'), 'A file inside a directory named x.md.\n');
  inputs.push({ name: 'x.md', created: 'x.md', bytes: null, expected: { outcome: 'ignored' }, what: 'a directory named x.md' });
  await execa('mkfifo', [join(inbox, 'y.md')], { timeout: 5000 });
  inputs.push({ name: 'y.md', created: 'y.md', bytes: null, expected: { outcome: 'failed', reason: 'not a regular file' }, what: 'a FIFO named y.md (nobody writes to it)' });
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(join(inbox, 's.md'), () => resolve());
  });
  inputs.push({ name: 's.md', created: 's.md', bytes: null, expected: { outcome: 'failed', reason: 'not a regular file' }, what: 'a Unix socket named s.md' });

  return { inputs, outsideFile, outsideText, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
