import { readdir, readFile, readlink, realpath } from 'node:fs/promises';

/**
 * What runs, read from /proc: the Claude Code process a tmux pane runs (its environment and command line are the
 * proof of which account and which conversation it is), and whatever a test run may have left behind.
 */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  argv: string[];
  env: Record<string, string>;
  /** The process renamed itself (`process.title`): its command line in /proc is gone, `argv` is empty. */
  retitled?: boolean;
}

async function pids(): Promise<number[]> {
  return (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
}

async function parentOf(pid: number): Promise<number | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  // The command name (field 2) is in parentheses and may hold spaces: the fields after the last ')' are fixed.
  const rest = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest && rest[1] !== undefined ? Number(rest[1]) : null;
}

export async function processInfo(pid: number): Promise<ProcessInfo | null> {
  const [cmdline, environ, ppid] = await Promise.all([
    readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null),
    readFile(`/proc/${pid}/environ`, 'utf8').catch(() => null),
    parentOf(pid),
  ]);
  if (cmdline === null || environ === null || ppid === null) return null;
  const env: Record<string, string> = {};
  for (const pair of environ.split('\0').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { pid, ppid, argv: cmdline.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1), env };
}

/** Every live descendant of `root` (children, grandchildren…), parents before children. */
export async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  await Promise.all((await pids()).map(async (pid) => {
    const ppid = await parentOf(pid);
    if (ppid !== null) parents.set(pid, ppid);
  }));
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...parents].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/**
 * The release's Claude Code among a pane's descendants: the topmost process whose executable, or the script node
 * runs (a `cli.js` release), is the release's binary.
 */
export async function claudeCodeUnder(panePid: number, binary: string): Promise<ProcessInfo | null> {
  const target = await realpath(binary);
  for (const pid of await descendants(panePid)) {
    const info = await processInfo(pid);
    if (info === null) continue;
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => null);
    const candidates = [exe, info.argv[0], info.argv[1]].filter((p): p is string => typeof p === 'string' && p.startsWith('/'));
    for (const candidate of candidates) {
      if ((await realpath(candidate).catch(() => null)) === target) return info;
    }
    // A release run by node (`cli.js`) sets its process title to `claude` once started, which overwrites its
    // command line in /proc: node running under the pane with that title is the release, its argv no longer known.
    if (target.endsWith('.js') && exe !== null && /\/node[^/]*$/.test(exe) && info.argv.filter((arg) => arg.trim() !== '').join(' ').trim() === 'claude') {
      return { ...info, argv: [], retitled: true };
    }
  }
  return null;
}

/** The value of `--flag <value>` in a command line, or null. */
export function flagValue(argv: readonly string[], flag: string): string | null {
  const i = argv.indexOf(flag);
  return i >= 0 && i + 1 < argv.length ? (argv[i + 1] as string) : null;
}

/** Live processes whose environment names `home` as HOME: what a fleet started and must not leave running. */
export async function processesWithHome(home: string): Promise<ProcessInfo[]> {
  const found = await Promise.all((await pids()).filter((pid) => pid !== process.pid).map(async (pid) => {
    const info = await processInfo(pid);
    return info && info.env.HOME === home ? info : null;
  }));
  return found.filter((p): p is ProcessInfo => p !== null);
}
