import { realpath } from 'node:fs/promises';
import { transcriptTailOf, type RegistryEntry } from '../claude-code/registry.js';
import { registryByPane } from '../claude-code/pane-sessions.js';
import { isShellCommand, readPane, type PaneReading } from '../claude-code/core/screen.js';
import { asLifecycle, recordedConversation, registryHomes } from './core/session-record.js';
import type { SessionRecord, State } from '../base/core/state.js';
import type { PaneSnapshot } from './tmux.js';
import type { TranscriptRecord } from '../claude-code/core/transcript.js';
import type { Context } from '../context.js';
import { readSignal, signalPath } from './signals.js';

/** What reconcile sees of one session: read once per run, in as few tmux invocations as possible. */
export interface SessionObservation {
  name: string;
  exists: boolean;
  /** The pane text, null when the session is gone or the capture failed. */
  pane: string | null;
  reading: PaneReading | null;
  /** The pane's foreground process is its shell. */
  atShell: boolean;
  registry: RegistryEntry | undefined;
  /** Transcript tail of the live Claude Code session (main chain only), when there is one. */
  transcript: TranscriptRecord[] | null;
  /** When the Stop hook signalled this session (epoch ms), or null. */
  signalAtMs: number | null;
}

export async function observe(ctx: Context, state: State, names: readonly string[], tmuxSessions: ReadonlySet<string>): Promise<Map<string, SessionObservation>> {
  const present = names.filter((name) => tmuxSessions.has(name));
  const panes = await ctx.tmux.inspectMany(present);
  const registry = await registryByPane(registryHomes(ctx.config, state), paneRoots(panes));
  // The file reads of every session at once, as check-quota does: small reads, each bounded.
  const observed = await Promise.all(names.map(async (name): Promise<SessionObservation> => {
    const snapshot = panes.get(name) ?? null;
    const pane = snapshot === null ? null : snapshot.text;
    const entry = registry.get(name);
    const working = state.sessions[name]?.task != null;
    const [transcript, signalAtMs] = await Promise.all([
      working ? (entry ? transcriptTailOf(entry) : recordedTranscriptTail(state.sessions[name])) : null,
      readSignal(signalPath(ctx, name)),
    ]);
    return {
      name,
      exists: tmuxSessions.has(name) && pane !== null,
      pane,
      reading: pane === null ? null : readPane(pane),
      atShell: isShellCommand(snapshot?.command),
      registry: entry,
      transcript,
      signalAtMs,
    };
  }));
  return new Map(observed.map((o) => [o.name, o]));
}

/** The panes' shells, for matching Claude Code's registry entries to sessions by process ancestry. */
export function paneRoots(panes: ReadonlyMap<string, PaneSnapshot | null>): Array<{ session: string; panePid: number | null }> {
  return [...panes].map(([session, pane]) => ({ session, panePid: pane?.panePid ?? null }));
}

/**
 * The transcript of the conversation a pool session's record names, when no registry entry speaks for it (a release
 * that writes none, or writes it late): the tool chose or resumed that id, under the home it launched with, in the
 * task's project, so the path is known without asking Claude Code. The project is tried as configured and resolved
 * (Claude Code names the folder after its real working folder).
 */
export async function recordedTranscriptTail(record: SessionRecord | undefined, options: { firstBytes?: number } = {}): Promise<TranscriptRecord[] | null> {
  const sessionId = recordedConversation(record);
  const home = record ? asLifecycle(record).home : undefined;
  const project = record?.project;
  if (sessionId === null || typeof home !== 'string' || typeof project !== 'string') return null;
  for (const cwd of new Set([project, await realpath(project).catch(() => project)])) {
    const records = await transcriptTailOf({ home, cwd, sessionId }, options);
    if (records !== null) return records;
  }
  return null;
}

/** A second look at panes that seemed finished (the prompt on consecutive polls), one tmux call. */
export async function recapture(ctx: Context, names: readonly string[]): Promise<Map<string, PaneReading | null>> {
  const panes = await ctx.tmux.captureMany(names);
  return new Map(names.map((name) => {
    const text = panes.get(name);
    return [name, typeof text === 'string' ? readPane(text) : null];
  }));
}
