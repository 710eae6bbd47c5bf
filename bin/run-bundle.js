// Runs a bundled CLI (dist/bundle/<name>.cjs) with a V8 code cache: the compiled code of the previous run of the
// same command is reused, which roughly halves what start-up costs beyond Node itself. The cache lives in
// $XDG_CACHE_HOME/claude-failover (~/.cache); any problem with it (unwritable, stale, rejected by V8) only means
// compiling normally — it can never change what the program does.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

export function runBundle(name, shimUrl) {
  const bin = fileURLToPath(shimUrl);
  const bundle = join(dirname(bin), '..', 'dist', 'bundle', `${name}.cjs`);
  const source = readFileSync(bundle, 'utf8');
  const cacheFile = cachePath(name, bundle);
  let cachedData;
  try {
    cachedData = cacheFile ? readFileSync(cacheFile) : undefined;
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // After the run, so the functions this command compiled lazily are in the cache too.
    process.once('beforeExit', () => saveCache(cacheFile, script));
  }
  return module.exports.main({ argv: process.argv, bin });
}

function cachePath(name, bundle) {
  try {
    const { size, mtimeMs } = statSync(bundle);
    const command = process.argv.slice(2).find((arg) => !arg.startsWith('-')) ?? 'help';
    if (!/^[a-z-]+$/.test(command)) return null;
    const base = process.env.XDG_CACHE_HOME || join(process.env.HOME || homedir(), '.cache');
    return join(base, 'claude-failover', `${name}-${process.version}-${size}-${Math.round(mtimeMs)}-${command}.v8cache`);
  } catch {
    return null;
  }
}

/** One level at a time: a recursive mkdir under an odd base (a file, /proc) can misbehave; this just fails. */
function makeDir(dir) {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
}

function saveCache(cacheFile, script) {
  try {
    makeDir(dirname(dirname(cacheFile)));
    makeDir(dirname(cacheFile));
    const temp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    renameSync(temp, cacheFile);
    removeOlderCaches(cacheFile);
  } catch {
    // A cache we cannot write is only a slower next start.
  }
}

/** The same command's caches of earlier builds or Node versions can never be used again: one file per command stays. */
function removeOlderCaches(cacheFile) {
  const dir = dirname(cacheFile);
  const mine = basename(cacheFile);
  const [, name, command] = /^(.+)-v[\d.]+-\d+-\d+-([a-z-]+)\.v8cache$/.exec(mine) ?? [];
  for (const file of readdirSync(dir)) {
    const match = /^(.+)-v[\d.]+-\d+-\d+-([a-z-]+)\.v8cache$/.exec(file);
    if (file !== mine && match && match[1] === name && match[2] === command) rmSync(join(dir, file), { force: true });
  }
}
