import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The real Claude Code releases the real-client suite runs, installed from the npm registry into a cache outside
 * node_modules (`${XDG_CACHE_HOME:-~/.cache}/claude-failover-test/claude-code/<version>/`), once per machine. A release
 * is installed into a temp folder beside it and renamed into place only once it runs, so a killed install never
 * leaves a half release behind that a later run would trust.
 */
export const PACKAGE = '@anthropic-ai/claude-code';
/** The oldest release supported, one of the middle age, the reference captures' one, and the newest published. */
export const DEFAULT_RELEASES = ['2.1.100', '2.1.200', '2.1.328', 'latest'] as const;

const run = promisify(execFile);
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;
/** A partial install this old was left by a killed run (a live one finishes in a few minutes). */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

export interface Release {
  version: string;
  /** Absolute path of the `claude` executable: what `dispatch.claude_command` is set to. */
  binary: string;
}

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'claude-failover-test', 'claude-code');
}

/** `CLAUDE_CODE_RELEASES` (versions or `latest`, separated by spaces or commas), else the default matrix. */
export function requestedReleases(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.CLAUDE_CODE_RELEASES?.trim();
  const list = raw ? raw.split(/[\s,]+/).filter(Boolean) : [...DEFAULT_RELEASES];
  const bad = list.filter((v) => v !== 'latest' && !VERSION.test(v));
  if (bad.length > 0) throw new Error(`CLAUDE_CODE_RELEASES: not a release version: ${bad.join(', ')} (expected e.g. "2.1.100 latest")`);
  return list;
}

/** The newest published release, asked of the registry at run time. */
export async function latestVersion(): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run('npm', ['view', PACKAGE, 'version'], { timeout: 60_000 }));
  } catch (error) {
    throw new Error(`cannot resolve the latest Claude Code release: npm view ${PACKAGE} version failed: ${tail(error)}`);
  }
  const version = stdout.trim();
  if (!VERSION.test(version)) throw new Error(`npm view ${PACKAGE} version printed ${JSON.stringify(version)}, not a version`);
  return version;
}

/** Requested names → distinct versions, `latest` resolved, in the order asked. */
export async function resolveReleases(requested: readonly string[]): Promise<string[]> {
  const latest = requested.includes('latest') ? await latestVersion() : null;
  return [...new Set(requested.map((v) => (v === 'latest' ? (latest as string) : v)))];
}

const binaryIn = (dir: string) => join(dir, 'node_modules', '.bin', 'claude');

/** `claude --version` prints `<version> (Claude Code)`: the proof a folder holds a working release. */
async function runs(binary: string, version: string): Promise<boolean> {
  try {
    const { stdout } = await run(binary, ['--version'], { timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, DISABLE_AUTOUPDATER: '1' } });
    return stdout.trim().startsWith(`${version} `);
  } catch {
    return false;
  }
}

/** The release, installed first if the cache does not hold a working copy. Fails with a message naming it. */
export async function installRelease(version: string, root = cacheRoot(), log: (line: string) => void = () => undefined): Promise<Release> {
  const dir = join(root, version);
  if (await runs(binaryIn(dir), version)) return { version, binary: binaryIn(dir) };
  await mkdir(root, { recursive: true });
  await removeStalePartials(root, version);
  // A folder that does not run (a copy from elsewhere, a broken disk) is replaced, not trusted.
  await rm(dir, { recursive: true, force: true });
  const partial = join(root, `${version}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  log(`installing Claude Code ${version} into ${dir} (npm, once per machine)`);
  try {
    await mkdir(partial);
    await run('npm', ['install', '--prefix', partial, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', `${PACKAGE}@${version}`], { timeout: 15 * 60_000, maxBuffer: 16 * 1024 * 1024 });
    if (!(await runs(binaryIn(partial), version))) throw new Error(`the installed claude does not run or is not ${version} (claude --version)`);
    try {
      await rename(partial, dir);
    } catch (error) {
      // Another run on this machine finished the same install first: keep its copy.
      if (!(await runs(binaryIn(dir), version))) throw error;
    }
  } catch (error) {
    throw new Error(`Claude Code ${version} cannot be installed (npm install ${PACKAGE}@${version}): ${tail(error)}`);
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return { version, binary: binaryIn(dir) };
}

async function removeStalePartials(root: string, version: string): Promise<void> {
  for (const name of await readdir(root)) {
    if (!name.startsWith(`${version}.partial-`)) continue;
    const info = await stat(join(root, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > STALE_PARTIAL_MS) await rm(join(root, name), { recursive: true, force: true });
  }
}

function tail(error: unknown): string {
  const e = error as { stderr?: unknown; message?: unknown };
  const text = String(e.stderr || e.message || error).trim();
  return text.split('\n').slice(-6).join('\n');
}
