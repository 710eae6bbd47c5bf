import { registryByTmuxSession, transcriptTailOf, type RegistryEntry } from '../claude-code/registry.js';
import { isShellCommand, readPane, type PaneReading } from '../claude-code/core/screen.js';
import { registryHomes } from './core/session-record.js';
import type { State } from '../base/core/state.js';
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
  const registry = await registryByTmuxSession(registryHomes(ctx.config, state));
  // The file reads of every session at once, as check-quota does: small reads, each bounded.
  const observed = await Promise.all(names.map(async (name): Promise<SessionObservation> => {
    const snapshot = panes.get(name) ?? null;
    const pane = snapshot === null ? null : snapshot.text;
    const entry = registry.get(name);
    const working = state.sessions[name]?.task != null;
    const [transcript, signalAtMs] = await Promise.all([
      working && entry ? transcriptTailOf(entry) : null,
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

/** A second look at panes that seemed finished (the prompt on consecutive polls), one tmux call. */
export async function recapture(ctx: Context, names: readonly string[]): Promise<Map<string, PaneReading | null>> {
  const panes = await ctx.tmux.captureMany(names);
  return new Map(names.map((name) => {
    const text = panes.get(name);
    return [name, typeof text === 'string' ? readPane(text) : null];
  }));
}
