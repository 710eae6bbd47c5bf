/**
 * The Claude Code of a tmux pane, on every release: registry entries matched to panes by process ancestry, and the
 * facts that name an operator's conversation where no registry entry does (the pane's Claude Code process, the
 * project's transcripts). The choices are core/session-match.ts's; this file only reads.
 */

import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isUuid } from '../base/core/uuid.js';
import { ancestorsOf, descendantsIn, openFiles, processCwd, processEnvVar, processParents, processStartedAtMs } from '../base/process.js';
import { readRegistry, transcriptFolders, type RegistryEntry } from './registry.js';
import { chooseDedicatedConversation, matchEntriesToPanes, type ConversationSource, type PaneRoot, type TranscriptFile } from './core/session-match.js';

/** Every live registry entry of the given homes, with its process's ancestry. */
export async function registryLineages(homes: readonly string[]): Promise<Array<{ entry: RegistryEntry; ancestors: number[] | null }>> {
  const entries = (await Promise.all([...new Set(homes)].map((home) => readRegistry(home)))).flat();
  return Promise.all(entries.map(async (entry) => ({ entry, ancestors: await ancestorsOf(entry.pid) })));
}

/** Live Claude Code registry entries by the tmux session whose pane they run in (see matchEntriesToPanes). */
export async function registryByPane(homes: readonly string[], panes: readonly PaneRoot[]): Promise<Map<string, RegistryEntry>> {
  return matchEntriesToPanes(await registryLineages(homes), panes);
}

/** The transcripts directly in a project folder (`<uuid>.jsonl`; subagents' live in subfolders). */
async function transcriptsIn(folder: string): Promise<TranscriptFile[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const files = await Promise.all(names.filter((n) => n.endsWith('.jsonl') && isUuid(n.slice(0, -6))).map(async (name) => {
    const info = await stat(join(folder, name)).catch(() => null);
    return info?.isFile() ? { id: name.slice(0, -6).toLowerCase(), mtimeMs: info.mtimeMs } : null;
  }));
  return files.filter((f): f is TranscriptFile => f !== null);
}

export interface DedicatedLookup {
  /** The session's pane shell pid (`#{pane_pid}`), null when unknown. */
  panePid: number | null;
  /** The configured project of the session. */
  project: string;
  /** Homes its Claude Code may run under (every account's; the shared `projects/` makes them one folder mostly). */
  homes: readonly string[];
  registryId: string | null;
  claimed: ReadonlySet<string>;
  paneHint: string | null;
  nowMs: number;
}

/**
 * The conversation of an operator's dedicated session (core/session-match.ts chooseDedicatedConversation), from the
 * pane's processes: their start, the files they hold open, their CLAUDE_CONFIG_DIR and working folder name where the
 * transcripts are; the configured project and every account home are looked at too.
 */
export async function dedicatedConversation(lookup: DedicatedLookup, parents?: ReadonlyMap<number, number>): Promise<{ id: string; source: ConversationSource } | null> {
  if (lookup.registryId !== null) return { id: lookup.registryId, source: 'registry' };
  const table = lookup.panePid === null ? new Map<number, number>() : parents ?? await processParents();
  const running = lookup.panePid === null ? [] : descendantsIn(table, lookup.panePid);
  // The pane's shell's own children: the programs the operator started there. The earliest start is the bound, so
  // a helper Claude Code started later (a hook, an MCP server) never narrows it.
  const children = running.filter((pid) => table.get(pid) === lookup.panePid);
  let claude: { startedAtMs: number; openIds: string[] } | null = null;
  const homes = new Set(lookup.homes);
  const cwds = new Set([lookup.project]);
  if (children.length > 0) {
    const [starts, open, envHomes, dirs] = await Promise.all([
      Promise.all(children.map((pid) => processStartedAtMs(pid, lookup.nowMs))),
      Promise.all(running.map((pid) => openFiles(pid))),
      Promise.all(running.map((pid) => processEnvVar(pid, 'CLAUDE_CONFIG_DIR'))),
      Promise.all(children.map((pid) => processCwd(pid))),
    ]);
    const known = starts.filter((s): s is number => s !== null);
    for (const home of envHomes) if (home !== null && home.startsWith('/')) homes.add(home);
    for (const dir of dirs) if (dir !== null) cwds.add(dir);
    const openIds = open.flat().filter((path) => path.endsWith('.jsonl')).map((path) => path.slice(path.lastIndexOf('/') + 1, -6)).filter(isUuid);
    if (known.length > 0) claude = { startedAtMs: Math.min(...known), openIds: openIds.map((id) => id.toLowerCase()) };
  }
  // One folder reached through several homes (the shared `projects/` link) is read once.
  const folders = new Map<string, string>();
  for (const home of homes) {
    for (const cwd of cwds) {
      for (const folder of transcriptFolders(home, cwd)) folders.set(await realpath(folder).catch(() => folder), folder);
    }
  }
  const transcripts = new Map<string, TranscriptFile>();
  for (const folder of folders.values()) {
    for (const t of await transcriptsIn(folder)) {
      const seen = transcripts.get(t.id);
      if (!seen || t.mtimeMs > seen.mtimeMs) transcripts.set(t.id, t);
    }
  }
  return chooseDedicatedConversation({ registryId: null, process: claude, transcripts: [...transcripts.values()], claimed: lookup.claimed, paneHint: lookup.paneHint });
}
