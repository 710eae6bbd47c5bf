/**
 * Who runs what, decided from the queue's own files when the state cannot say: after `state.json` was lost,
 * emptied or replaced, a claimed task (`inbox/T.md.dispatched`) that no session record holds is re-owned by the pool
 * session that can prove it runs it (its conversation carries the `[T.md]` message), or given back to the queue when
 * none could; a pool session running a Claude Code nothing explains is recycled once it is idle. Also: which
 * vanished sessions did not fail by their task (the tmux server went away under all of them at once). Pure.
 */

export interface OrphanClaim {
  /** `<project>/.agent-queue/inbox/T.md.dispatched`. */
  claimed: string;
  project: string;
  taskName: string;
  /** How long ago the claim was made (the claimed file's change time). */
  ageMs: number;
  /**
   * A tmux session outside this pool whose live Claude Code, registered in the claim's project, holds the task's
   * message: another scheduler sharing the inbox runs it.
   */
  foreignRunner: string | null;
}

/** A pool session present in tmux that holds no task in the state (no record, or an idle one). */
export interface UnheldSession {
  name: string;
  /** Claude Code runs in its pane. */
  claudeRunning: boolean;
  /** A turn is in progress (the registry says busy, or the pane shows it). */
  busy: boolean;
  /** The working folder its Claude Code registered, null when unknown. */
  cwd: string | null;
  /** The orphan tasks whose `[T.md]` message its conversation holds, with that message's time. */
  submissions: ReadonlyArray<{ taskName: string; timestamp: string }>;
}

export type OwnershipStep =
  | { kind: 'adopt'; session: string; claim: OrphanClaim; submittedAt: string }
  | { kind: 'give-back'; claim: OrphanClaim; reason: string }
  | { kind: 'wait'; claim: OrphanClaim; reason: string }
  | { kind: 'recycle'; session: string; reason: string }
  | { kind: 'leave'; session: string; reason: string };

const newestFirst = (a: { timestamp: string }, b: { timestamp: string }) => Date.parse(b.timestamp) - Date.parse(a.timestamp);

/**
 * One step per orphan claim and per unheld session running Claude Code. A claim goes to the session whose
 * conversation holds its message (one that registered the claim's project first, the newest message on a tie); with
 * no proof it waits while someone else may hold it — a Claude Code outside the pool runs it (another scheduler on the
 * same inbox), the claim is younger than a launch takes (`launchWindowMs`: a claim is made before its message is
 * typed), or a session running Claude Code in that project (or in a folder unknown) could be running it unseen —
 * and is given back otherwise. A session that proved nothing is recycled when idle and left alone
 * while it works (a turn is never cut off on a guess); its claims are given back once it is gone.
 */
export function planOwnership(claims: readonly OrphanClaim[], sessions: readonly UnheldSession[], launchWindowMs: number): OwnershipStep[] {
  const steps: OwnershipStep[] = [];
  const taken = new Set<string>();
  const unproven: OrphanClaim[] = [];
  for (const claim of claims) {
    const owners = sessions
      .filter((s) => !taken.has(s.name) && s.claudeRunning)
      .flatMap((s) => s.submissions.filter((m) => m.taskName === claim.taskName).map((m) => ({ session: s, timestamp: m.timestamp })))
      .sort((a, b) => Number(b.session.cwd === claim.project) - Number(a.session.cwd === claim.project) || newestFirst(a, b));
    const owner = owners.find((o) => o.session.cwd === null || o.session.cwd === claim.project);
    if (!owner) {
      unproven.push(claim);
      continue;
    }
    taken.add(owner.session.name);
    steps.push({ kind: 'adopt', session: owner.session.name, claim, submittedAt: owner.timestamp });
  }
  const unexplained = sessions.filter((s) => !taken.has(s.name) && s.claudeRunning);
  for (const claim of unproven) {
    const suspect = unexplained.find((s) => s.cwd === null || s.cwd === claim.project);
    if (claim.foreignRunner !== null) steps.push({ kind: 'wait', claim, reason: `runs in ${claim.foreignRunner}, outside this pool` });
    else if (claim.ageMs < launchWindowMs) steps.push({ kind: 'wait', claim, reason: 'claimed moments ago: a launch may still be under way' });
    else if (suspect) steps.push({ kind: 'wait', claim, reason: `${suspect.name} runs a Claude Code in ${suspect.cwd ?? 'an unknown folder'} that may hold it; decided once that session is recycled` });
    else steps.push({ kind: 'give-back', claim, reason: 'claimed, but no session runs it' });
  }
  for (const session of unexplained) {
    if (session.busy) steps.push({ kind: 'leave', session: session.name, reason: 'runs a Claude Code turn no task explains; recycled once idle' });
    else steps.push({ kind: 'recycle', session: session.name, reason: 'ran a Claude Code no task explains' });
  }
  return steps;
}

export interface VanishFacts {
  /** The tmux server's identity (pid and start time) the previous run saw, null when unknown. */
  recordedServer: string | null;
  /** The server's identity now, null when no server runs. */
  currentServer: string | null;
  /** Sessions the state knows that existed before this run (pool and dedicated records). */
  known: number;
  /** How many of them are gone now. */
  gone: number;
}

export type VanishCause = { shared: true; reason: string } | { shared: false };

/**
 * Whether the sessions that are gone went together, for a reason that is no task's: the tmux server is another one
 * than the previous run saw, or every session the state knows vanished at once (two at least: one session gone alone
 * may be its task's doing). Their tasks then go back without an attempt counted and no session
 * cools down.
 */
export function vanishCause(facts: VanishFacts): VanishCause {
  if (facts.gone === 0) return { shared: false };
  // No server at all says little: tmux exits with its last session, so one killed session can take the server along.
  if (facts.recordedServer !== null && facts.currentServer !== null && facts.currentServer !== facts.recordedServer) {
    return { shared: true, reason: 'the tmux server was restarted' };
  }
  if (facts.known >= 2 && facts.gone === facts.known) return { shared: true, reason: `all ${facts.known} sessions vanished at once` };
  return { shared: false };
}
