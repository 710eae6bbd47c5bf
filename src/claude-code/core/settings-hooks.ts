import type { Check } from '../../base/core/json.js';
import { isRecord } from '../../base/core/json.js';

/**
 * Claude Code's `<account home>/settings.json` and the hooks in it, as every release since 2.1.100 reads them:
 * `"hooks": {"<Event>": [{"matcher"?: "...", "hooks": [{"type": "command", "command": "...", "timeout"?: s}]}]}`.
 * The file also holds the operator's own settings and hooks: these functions add, update or remove only the entries
 * the caller recognises as the tool's, keep every other key and entry where it was, and keep the file's layout
 * (indentation, line ends, byte-order mark, final newline). Pure: text in, text out.
 */

/** The events the tool hooks: a turn that ended, and a turn that ended in an API error. */
export const TOOL_HOOK_EVENTS = ['Stop', 'StopFailure'] as const;
export type ToolHookEvent = (typeof TOOL_HOOK_EVENTS)[number];

/** A settings file is a few kilobytes; anything this large is not one we edit (and is not read whole). */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

/** How long Claude Code lets one of our hooks run (seconds); they are bounded well below it themselves. */
export const TOOL_HOOK_TIMEOUT_S = 10;

/** Which tool event a hook command line belongs to, or null when it is not the tool's (someone else's hook). */
export type Recognise = (command: string) => ToolHookEvent | null;

interface Layout {
  indent: string;
  eol: string;
  bom: boolean;
  finalNewline: boolean;
}

const DEFAULT_LAYOUT: Layout = { indent: '  ', eol: '\n', bom: false, finalNewline: true };

export interface ParsedSettings {
  document: Record<string, unknown>;
  layout: Layout;
}

/**
 * The settings document, or why it cannot be edited safely. No file (null) and an empty file are an empty document;
 * broken JSON, a document that is not an object and a huge file are refused, naming the problem.
 */
export function parseSettings(text: string | null): Check<ParsedSettings> {
  if (text === null) return { ok: true, value: { document: {}, layout: DEFAULT_LAYOUT } };
  if (text.length > MAX_SETTINGS_BYTES) return { ok: false, reason: `larger than ${MAX_SETTINGS_BYTES / 1024} KiB: not a settings file this tool edits` };
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  if (body.trim() === '') return { ok: true, value: { document: {}, layout: { ...DEFAULT_LAYOUT, bom } } };
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (!isRecord(document)) return { ok: false, reason: `the document is ${Array.isArray(document) ? 'a JSON array' : document === null ? 'null' : `a ${typeof document}`}, expected a JSON object` };
  return { ok: true, value: { document, layout: layoutOf(body, document, bom) } };
}

/** The layout of the operator's file: its first indentation (none when it is on one line) and its line ends. */
function layoutOf(body: string, document: Record<string, unknown>, bom: boolean): Layout {
  const eol = body.includes('\r\n') ? '\r\n' : '\n';
  const lines = body.trim().split(/\r?\n/);
  const found = lines.slice(1).map((line) => /^([ \t]+)\S/.exec(line)?.[1]).find((indent) => indent !== undefined);
  // A document on one line stays on one line; `{}` says nothing about the operator's taste: Claude Code's own layout.
  const indent = found ?? (lines.length === 1 && Object.keys(document).length > 0 ? '' : DEFAULT_LAYOUT.indent);
  return { indent, eol, bom, finalNewline: /\n$/.test(body) };
}

function serialise({ document, layout }: ParsedSettings): string {
  const json = JSON.stringify(document, null, layout.indent === '' ? undefined : layout.indent);
  const text = layout.eol === '\n' ? json : json.replace(/\n/g, layout.eol);
  return (layout.bom ? '\uFEFF' : '') + text + (layout.finalNewline ? layout.eol : '');
}

export interface SettingsEdit {
  /** The new file text, or null when the file stays exactly as it is (nothing to change). */
  text: string | null;
  /** What changed, in words ("Stop: added the tool's hook"); empty when nothing did. */
  changes: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

interface Located {
  event: string;
  group: number;
  entry: number;
  /** The tool event the entry's command belongs to. */
  ours: ToolHookEvent;
}

/** The tool's entries among `hooks[event]`, in file order. Groups and entries of any other shape are not ours. */
function oursIn(event: string, groups: unknown[], recognise: Recognise): Located[] {
  const found: Located[] = [];
  groups.forEach((group, g) => {
    if (!isRecord(group) || !Array.isArray(group.hooks)) return;
    group.hooks.forEach((entry, e) => {
      if (!isRecord(entry) || entry.type !== 'command' || typeof entry.command !== 'string') return;
      const ours = recognise(entry.command);
      if (ours !== null) found.push({ event, group: g, entry: e, ours });
    });
  });
  return found;
}

/** Removes the listed entries of one event's groups; a group left with no entry by that goes too. */
function withoutEntries(groups: unknown[], remove: Located[]): unknown[] {
  return groups.flatMap((group, g) => {
    const mine = remove.filter((r) => r.group === g);
    if (mine.length === 0 || !isRecord(group) || !Array.isArray(group.hooks)) return [group];
    const kept = group.hooks.filter((_, e) => !mine.some((r) => r.entry === e));
    return kept.length === 0 ? [] : [{ ...group, hooks: kept }];
  });
}

/** The `hooks` object of the document, or why it cannot be edited (it is the operator's, in a shape we do not know). */
function hooksObject(document: Record<string, unknown>): Check<Record<string, unknown> | undefined> {
  const hooks = document.hooks;
  if (hooks === undefined) return { ok: true, value: undefined };
  if (!isRecord(hooks)) return { ok: false, reason: '"hooks" is not an object of events' };
  return { ok: true, value: hooks };
}

/**
 * Adds or updates the tool's hooks: for each event one entry `{type: "command", command, timeout}` in a group of
 * its own at the end of the event's list, unless one of ours is already there (then it is updated in place when its
 * command line differs: an older install). Duplicates of ours and ours filed under the wrong event are removed.
 */
export function installHooks(text: string | null, wanted: Record<ToolHookEvent, string>, recognise: Recognise): Check<SettingsEdit> {
  const parsed = parseSettings(text);
  if (!parsed.ok) return parsed;
  const { document } = parsed.value;
  const current = hooksObject(document);
  if (!current.ok) return current;
  const hooks: Record<string, unknown> = { ...current.value };
  const changes: string[] = [];
  for (const event of TOOL_HOOK_EVENTS) {
    const groups = hooks[event] ?? [];
    if (!Array.isArray(groups)) return { ok: false, reason: `"hooks.${event}" is not a list` };
    const entry = { type: 'command', command: wanted[event], timeout: TOOL_HOOK_TIMEOUT_S };
    const ours = oursIn(event, groups, recognise);
    const keep = ours.find((o) => o.ours === event);
    const extra = ours.filter((o) => o !== keep);
    let next = groups;
    if (keep === undefined) {
      next = [...groups, { hooks: [entry] }];
      changes.push(`${event}: added the tool's hook`);
    } else {
      const group = groups[keep.group] as Record<string, unknown> & { hooks: unknown[] };
      if (!same(group.hooks[keep.entry], entry)) {
        next = groups.map((g, i) => (i === keep.group ? { ...group, hooks: group.hooks.map((e, j) => (j === keep.entry ? entry : e)) } : g));
        changes.push(`${event}: updated the tool's hook to the current command line`);
      }
    }
    if (extra.length > 0) {
      next = withoutEntries(next, extra);
      changes.push(`${event}: removed ${extra.length} other entr${extra.length === 1 ? 'y' : 'ies'} of the tool`);
    }
    if (next !== groups) hooks[event] = next;
  }
  if (changes.length === 0) return { ok: true, value: { text: null, changes } };
  return { ok: true, value: { text: serialise({ document: { ...document, hooks }, layout: parsed.value.layout }), changes } };
}

/**
 * Removes every entry of the tool, under any event, and nothing else. A group, an event list or the `hooks` object
 * that only our entries filled is removed with them; one the operator left empty stays as it was.
 */
export function uninstallHooks(text: string | null, recognise: Recognise): Check<SettingsEdit> {
  if (text === null) return { ok: true, value: { text: null, changes: [] } };
  const parsed = parseSettings(text);
  if (!parsed.ok) return parsed;
  const { document } = parsed.value;
  const current = hooksObject(document);
  if (!current.ok) return current;
  if (current.value === undefined) return { ok: true, value: { text: null, changes: [] } };
  const changes: string[] = [];
  const hooks: Record<string, unknown> = {};
  for (const [event, groups] of Object.entries(current.value)) {
    const ours = Array.isArray(groups) ? oursIn(event, groups, recognise) : [];
    if (ours.length === 0) {
      Object.defineProperty(hooks, event, { value: groups, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const next = withoutEntries(groups as unknown[], ours);
    changes.push(`${event}: removed ${ours.length} entr${ours.length === 1 ? 'y' : 'ies'} of the tool`);
    if (next.length > 0) Object.defineProperty(hooks, event, { value: next, enumerable: true, writable: true, configurable: true });
  }
  if (changes.length === 0) return { ok: true, value: { text: null, changes } };
  const rest = Object.fromEntries(Object.entries(document).filter(([key]) => key !== 'hooks' || Object.keys(hooks).length > 0).map(([key, value]) => [key, key === 'hooks' ? hooks : value]));
  return { ok: true, value: { text: serialise({ document: rest, layout: parsed.value.layout }), changes } };
}

/** Per tool event: the current command line is there, only another command line of ours, or none. */
export type HookPresence = 'current' | 'other' | 'missing';

/** What `doctor` reads: whether each tool hook is installed, and with the wanted command line (when known). */
export function hookPresence(text: string | null, wanted: Record<ToolHookEvent, string> | null, recognise: Recognise): Check<Record<ToolHookEvent, HookPresence>> {
  const parsed = parseSettings(text);
  if (!parsed.ok) return parsed;
  const current = hooksObject(parsed.value.document);
  if (!current.ok) return current;
  const presence = {} as Record<ToolHookEvent, HookPresence>;
  for (const event of TOOL_HOOK_EVENTS) {
    const groups = current.value?.[event];
    const ours = Array.isArray(groups) ? oursIn(event, groups, recognise).filter((o) => o.ours === event) : [];
    const commands = ours.map((o) => ((groups as Array<{ hooks: Array<{ command: string }> }>)[o.group]?.hooks[o.entry]?.command));
    presence[event] = ours.length === 0 ? 'missing' : wanted === null || commands.includes(wanted[event]) ? 'current' : 'other';
  }
  return { ok: true, value: presence };
}
