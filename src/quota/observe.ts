import { transcriptTailOf } from '../claude-code/registry.js';
import { registryByPane } from '../claude-code/pane-sessions.js';
import { paneRoots, recordedTranscriptTail } from '../sessions/observe.js';
import { asLifecycle, recordedConversation } from '../sessions/core/session-record.js';
import { poolSessionNames } from '../base/core/config.js';
import { judgeLiveSession } from './core/evidence.js';
import type { SessionVerdict } from './core/decide.js';
import { machineZone } from '../claude-code/core/reset-time.js';
import { registryHomes } from '../sessions/core/session-record.js';
import type { SessionRecord, State } from '../base/core/state.js';
import type { Context } from '../context.js';
import { failedSignalPath, readFailedSignal } from '../sessions/signals.js';

/** What check-quota reads of the fleet: two tmux calls whatever the number of sessions, plus small file reads. */
export interface ObservedVerdict extends SessionVerdict {
  sessionKind: 'pool' | 'dedicated';
}

/** The newest turn is at the end: a small read is enough unless that last record is itself large. */
const FIRST_TAIL_BYTES = 16 * 1024;

/**
 * Every pool session of the configured range and every dedicated session that exists: their panes in ONE batched
 * capture, Claude Code's registry of every account home, and the newest transcript turn of each live session.
 */
export async function observeQuota(ctx: Context, state: State, loginSince: number | null = null): Promise<ObservedVerdict[]> {
  const existing = new Set(await ctx.tmux.listSessions());
  const dedicated = new Set(ctx.config.pool.dedicated.map((d) => d.session));
  const names = [...poolSessionNames(ctx.config.pool.autonomous), ...dedicated].filter((name) => existing.has(name));
  const panes = await ctx.tmux.inspectMany(names);
  const registry = await registryByPane(registryHomes(ctx.config, state), paneRoots(panes));
  const now = ctx.clock.now();
  // Claude Code prints times without a zone in the machine's own: read once here, passed to the pure classifier.
  const zone = machineZone();
  const observed = await Promise.all(names.map(async (name): Promise<ObservedVerdict | null> => {
    const pane = panes.get(name)?.text;
    if (typeof pane !== 'string') return null; // vanished since the listing
    const entry = registry.get(name);
    // Without a registry entry, a pool session's transcript is the conversation its record names; what is older
    // than the task's submission (or, before it, the dispatch's intent) is history: a resumed conversation holds
    // the turns of the account it left.
    const record = dedicated.has(name) ? undefined : state.sessions[name];
    const recorded = !entry && recordedConversation(record) !== null;
    const [records, failedSignal] = await Promise.all([
      entry
        ? transcriptTailOf(entry, { firstBytes: FIRST_TAIL_BYTES })
        : recorded ? recordedTranscriptTail(record, { firstBytes: FIRST_TAIL_BYTES }) : null,
      readFailedSignal(failedSignalPath(ctx, name)),
    ]);
    const processStartedAt = entry?.startedAt ?? (recorded && record ? launchedAt(record) : null);
    const held = state.sessions[name];
    const paneTurnSince = held?.task && !held.launch && typeof held.submittedAt === 'string' ? Date.parse(held.submittedAt) : null;
    const verdict = judgeLiveSession({ pane, records, processStartedAt, failedSignal, loginSince, paneTurnSince, now, defaultZone: zone });
    return { ...verdict, session: name, sessionKind: dedicated.has(name) ? 'dedicated' : 'pool' };
  }));
  return observed.filter((o): o is ObservedVerdict => o !== null);
}

function launchedAt(record: SessionRecord): number | null {
  const at = Date.parse(asLifecycle(record).submittedAt ?? record.since);
  return Number.isNaN(at) ? null : at;
}
