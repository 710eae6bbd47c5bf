/**
 * Captures are committed: what is specific to the machine and the run is rewritten to neutral values, so a capture
 * says only what the release shows. Paths under the capture's temp root become `/home/op/...` (the reference
 * captures' convention), UUIDs become numbered ones in order of appearance, and the pid namespace id is zeroed.
 */
/** What the stand-in's address becomes in a capture (some error screens name it). */
export const STAND_IN_HOST = '127.0.0.1:40000';

export interface Neutraliser {
  text(value: string): string;
  json(value: unknown): unknown;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const PID_DOMAIN = /(linux:)[0-9a-f]{32}(:pid:)/g;

/** `/tmp/cf-capture-x/src/proj` → Claude Code's project folder name for it (`-tmp-cf-capture-x-src-proj`). */
export const dashed = (path: string) => path.replace(/[^A-Za-z0-9]/g, '-');

export function createNeutraliser(root: string, extra: ReadonlyArray<readonly [string, string]> = []): Neutraliser {
  const ids = new Map<string, string>();
  const neutralId = (id: string) => {
    const key = id.toLowerCase();
    if (!ids.has(key)) ids.set(key, `00000000-0000-4000-8000-${String(ids.size + 1).padStart(12, '0')}`);
    return ids.get(key) as string;
  };
  const replacements: Array<readonly [string, string]> = [...extra, [root, '/home/op'], [dashed(root), '-home-op']];
  const text = (value: string) => {
    let out = value;
    for (const [from, to] of replacements) out = out.split(from).join(to);
    return out.replace(UUID, neutralId).replace(PID_DOMAIN, (_all, before: string, after: string) => `${before}${'0'.repeat(32)}${after}`);
  };
  const json = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map(json);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), json(v)]));
    return value;
  };
  return { text, json };
}
