import { isPoolSessionName, poolSessionNames, type Config } from '../../base/core/config.js';

/**
 * The pool sessions reconcile must create: while fewer than `min` pool sessions exist, the missing names of the
 * configured range in index order. Never a name outside `[start_index, start_index + max)`.
 */
export function sessionsToCreate(pool: Config['pool']['autonomous'], existing: ReadonlySet<string>): string[] {
  const names = poolSessionNames(pool);
  const present = names.filter((name) => existing.has(name)).length;
  const missing = names.filter((name) => !existing.has(name));
  return missing.slice(0, Math.max(0, pool.min - present));
}

/**
 * Sessions the tool started (the state has their record) under the pool's prefix that the configured range no longer
 * holds (`max` lowered, `start_index` moved): they stay the tool's until they are closed. Reconcile judges them as
 * pool sessions, a swap stops them as pool sessions; dispatch gives them nothing, and once idle they are closed.
 */
export function retiringSessions(pool: Config['pool']['autonomous'], dedicated: ReadonlySet<string>, recorded: Iterable<string>): string[] {
  return [...recorded].filter((name) => {
    if (dedicated.has(name) || isPoolSessionName(name, pool) || !name.startsWith(pool.prefix)) return false;
    return /^(0|[1-9]\d*)$/.test(name.slice(pool.prefix.length));
  });
}
