/**
 * Coalesces pane reads of many concurrent pollers (the parallel launches of dispatch) into one batched tmux
 * invocation per short window, instead of one tmux process per session per poll.
 */

import type { PaneSnapshot, Tmux } from './tmux.js';

export interface PaneBatcher {
  read(name: string): Promise<PaneSnapshot | null>;
}

/** Long enough for pollers on the same beat to meet, short against dispatch's 100 ms poll interval. */
const WINDOW_MS = 15;

export function createPaneBatcher(tmux: Tmux, windowMs = WINDOW_MS): PaneBatcher {
  let waiting = new Map<string, Array<{ resolve: (pane: PaneSnapshot | null) => void; reject: (error: unknown) => void }>>();
  let timer: NodeJS.Timeout | null = null;

  const flush = async () => {
    const batch = waiting;
    waiting = new Map();
    timer = null;
    try {
      const panes = await tmux.inspectMany([...batch.keys()]);
      for (const [name, readers] of batch) for (const reader of readers) reader.resolve(panes.get(name) ?? null);
    } catch (error) {
      for (const readers of batch.values()) for (const reader of readers) reader.reject(error);
    }
  };

  return {
    read(name) {
      return new Promise((resolve, reject) => {
        const readers = waiting.get(name) ?? [];
        readers.push({ resolve, reject });
        waiting.set(name, readers);
        timer ??= setTimeout(() => void flush(), windowMs);
      });
    },
  };
}
