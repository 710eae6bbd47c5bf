/**
 * Which Claude Code runs in which tmux pane, and which conversation a session resumes: pure choices over facts the
 * edges read from /proc, Claude Code's registry and its transcript folder. Every release tested runs Claude Code as a
 * descendant of the pane's shell, whatever it writes in its own files, so ancestry is the proof; the registry's
 * `tmux` field (only some releases write it) names a session of *some* tmux server and is used only where the
 * process tree cannot be read.
 */

/** A tmux session's pane as the edge read it: its shell's pid (`#{pane_pid}`), null when unknown. */
export interface PaneRoot {
  session: string;
  panePid: number | null;
}

/** What the matcher needs of a registry entry. */
export interface MatchableEntry {
  pid: number;
  tmuxSession: string | null;
  statusUpdatedAt: number | null;
}

export interface EntryLineage<E extends MatchableEntry> {
  entry: E;
  /** The entry's process's ancestors, parent first; null when the process tree could not be read. */
  ancestors: readonly number[] | null;
}

/**
 * Registry entries by the tmux session whose pane they run in. An entry whose ancestry is known belongs to the pane
 * its pid descends from (or is: a shell that `exec`ed Claude Code), and to no other, even when its `tmux` field
 * names one of ours (that is a session of the same name on another tmux server). An entry whose ancestry is unknown
 * falls back to its `tmux` field. When two entries land on one session, the most recently updated wins.
 */
export function matchEntriesToPanes<E extends MatchableEntry>(lineages: ReadonlyArray<EntryLineage<E>>, panes: readonly PaneRoot[]): Map<string, E> {
  const byShell = new Map<number, string>();
  for (const pane of panes) if (pane.panePid !== null) byShell.set(pane.panePid, pane.session);
  const names = new Set(panes.map((p) => p.session));
  const matched = new Map<string, E>();
  for (const { entry, ancestors } of lineages) {
    const session = ancestors === null
      ? (entry.tmuxSession !== null && names.has(entry.tmuxSession) ? entry.tmuxSession : undefined)
      : [entry.pid, ...ancestors].map((pid) => byShell.get(pid)).find((s) => s !== undefined);
    if (session === undefined) continue;
    const previous = matched.get(session);
    if (!previous || (entry.statusUpdatedAt ?? 0) > (previous.statusUpdatedAt ?? 0)) matched.set(session, entry);
  }
  return matched;
}

/** A transcript in the session's project folder: its conversation id and when it was last written (epoch ms). */
export interface TranscriptFile {
  id: string;
  mtimeMs: number;
}

export interface DedicatedFacts {
  /** The registry entry matched to the pane (by ancestry), if any. */
  registryId: string | null;
  /** The Claude Code process in the pane: when it started (epoch ms) and which transcripts it holds open. */
  process: { startedAtMs: number; openIds: readonly string[] } | null;
  /** The project folder's transcripts (`<home>/projects/<encoded cwd>/*.jsonl`). */
  transcripts: readonly TranscriptFile[];
  /** Conversations known to be another session's: pool sessions' recorded ids, other live registry entries. */
  claimed: ReadonlySet<string>;
  /** The `--resume <uuid>` hint Claude Code printed on exit, read from the pane. */
  paneHint: string | null;
}

export type ConversationSource = 'registry' | 'open-transcript' | 'transcript-since-start' | 'pane-hint';

/**
 * The conversation an operator's dedicated session resumes after a swap, strongest proof first:
 * 1. the registry entry matched to the pane: Claude Code's own word;
 * 2. a transcript the pane's Claude Code holds open (a release that keeps it open);
 * 3. the one transcript of that project written since that process started, and claimed by no other session. Only
 *    a running process appends to a transcript, so a file written since the start is this process's or another's;
 *    the other sessions' conversations we know are set aside, and if more than one candidate is left nothing proves
 *    which is this one's: none is taken (resuming the wrong conversation would put an operator in someone else's);
 * 4. the `--resume <uuid>` hint Claude Code printed when it exited (the session is at its shell);
 * else none: the session is left at its shell, never launched blind.
 */
export function chooseDedicatedConversation(facts: DedicatedFacts): { id: string; source: ConversationSource } | null {
  if (facts.registryId !== null) return { id: facts.registryId, source: 'registry' };
  if (facts.process !== null) {
    const known = new Set(facts.transcripts.map((t) => t.id));
    const open = [...new Set(facts.process.openIds)].filter((id) => known.has(id) && !facts.claimed.has(id));
    if (open.length === 1) return { id: open[0] as string, source: 'open-transcript' };
    const since = facts.process.startedAtMs;
    const written = facts.transcripts.filter((t) => t.mtimeMs >= since && !facts.claimed.has(t.id));
    if (written.length === 1) return { id: (written[0] as TranscriptFile).id, source: 'transcript-since-start' };
  }
  if (facts.paneHint !== null) return { id: facts.paneHint, source: 'pane-hint' };
  return null;
}
