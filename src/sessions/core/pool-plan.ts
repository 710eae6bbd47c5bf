import { poolSessionNames, type Config } from '../../base/core/config.js';

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
