import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { registryByTmuxSession, transcriptTailOf, type RegistryEntry } from '../adapters/claude-code.js';
import { errnoCode } from '../core/errors.js';
import { isShellCommand, readPane, type PaneReading } from '../core/pane.js';
import { asLifecycle } from '../core/session-record.js';
import type { State } from '../core/state.js';
import type { TranscriptRecord } from '../core/transcript.js';
import type { Context } from '../context.js';

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

export const signalPath = (ctx: Context, session: string) => join(ctx.paths.signalsDir, `${session}.done`);

/** The signal's own `at` (written by `hook stop`); its mtime when the content is not ours. */
async function readSignal(path: string): Promise<number | null> {
  try {
    const text = await readFile(path, 'utf8');
    try {
      const at = Date.parse(String((JSON.parse(text) as { at?: unknown }).at));
      if (!Number.isNaN(at)) return at;
    } catch {
      // Not JSON: fall back to the file time.
    }
    return (await stat(path)).mtimeMs;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  }
}

export async function observe(ctx: Context, state: State, names: readonly string[], tmuxSessions: ReadonlySet<string>): Promise<Map<string, SessionObservation>> {
  const present = names.filter((name) => tmuxSessions.has(name));
  const panes = await ctx.tmux.inspectMany(present);
  const homes = [...ctx.config.accounts.map((a) => a.home), ...Object.values(state.sessions).map((r) => asLifecycle(r).home).filter((h): h is string => typeof h === 'string')];
  const registry = await registryByTmuxSession(homes);
  const observations = new Map<string, SessionObservation>();
  for (const name of names) {
    const snapshot = panes.get(name) ?? null;
    const pane = snapshot === null ? null : snapshot.text;
    const entry = registry.get(name);
    const working = state.sessions[name]?.task != null;
    observations.set(name, {
      name,
      exists: tmuxSessions.has(name) && pane !== null,
      pane,
      reading: pane === null ? null : readPane(pane),
      atShell: isShellCommand(snapshot?.command),
      registry: entry,
      transcript: working && entry ? await transcriptTailOf(entry) : null,
      signalAtMs: await readSignal(signalPath(ctx, name)),
    });
  }
  return observations;
}

/** A second look at panes that seemed finished (DESIGN §7: the prompt on consecutive polls), one tmux call. */
export async function recapture(ctx: Context, names: readonly string[]): Promise<Map<string, PaneReading | null>> {
  const panes = await ctx.tmux.captureMany(names);
  return new Map(names.map((name) => {
    const text = panes.get(name);
    return [name, typeof text === 'string' ? readPane(text) : null];
  }));
}
