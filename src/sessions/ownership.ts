import { access, lstat } from 'node:fs/promises';
import { isPoolSessionName, projectDirs } from '../base/core/config.js';
import { errorMessage, unreachable } from '../base/core/errors.js';
import { plural, type Style } from '../base/core/format.js';
import { idleSession, type State } from '../base/core/state.js';
import { isUuid } from '../base/core/uuid.js';
import { claudeRunning, isShellCommand, readPane } from '../claude-code/core/screen.js';
import { findSubmission } from '../claude-code/core/transcript.js';
import { transcriptTailOf, type RegistryEntry } from '../claude-code/registry.js';
import { registryByPane } from '../claude-code/pane-sessions.js';
import { paneRoots } from './observe.js';
import type { Context } from '../context.js';
import { listInbox, unclaimTask } from '../queue/files.js';
import { planOwnership, vanishCause, type OrphanClaim, type UnheldSession } from './core/ownership.js';
import { retiringSessions } from './core/pool-plan.js';
import { asLifecycle, idleAfter, pendingPathOf, registryHomes } from './core/session-record.js';
import { keepConversation } from './conversations.js';
import { exitClaude } from './recycle.js';

/**
 * What reconcile does when the state and the world disagree, before and after it judges the sessions: tasks of
 * sessions the tmux server took down together go back uncounted; claims no record holds are re-owned or given back
 * (core/ownership.ts decides); pool sessions a shrunk range left are closed once idle; and the report keeps only the
 * moves that happened.
 */

export interface OwnershipReport {
  /** Claimed tasks no record held, re-owned by the session whose conversation carries their message. */
  adopted: Array<{ session: string; task: string; project: string; submittedAt: string }>;
  /** Claimed tasks nobody runs, back to pending without an attempt counted. */
  givenBack: Array<{ task: string; project: string; pending: string; reason: string }>;
  /** Claims and sessions left for a later run, and why. */
  waiting: Array<{ subject: string; reason: string }>;
  /** Pool sessions whose Claude Code no task explained, sent `/exit`. */
  recycled: Array<{ session: string; reason: string }>;
  /** Sessions gone together for a reason that is no task's: their tasks went back uncounted. */
  vanished: { reason: string; tasks: Array<{ session: string; task: string; pending: string | null }> } | null;
  /** Sessions outside a shrunk pool range, closed once idle. */
  retired: string[];
}

export const noOwnership = (): OwnershipReport => ({ adopted: [], givenBack: [], waiting: [], recycled: [], vanished: null, retired: [] });

const exists = (path: string) => access(path).then(() => true, () => false);

/** Beyond the prompt wait, what a launch may take to paste the task and press Enter. */
const LAUNCH_MARGIN_MS = 60_000;

/** The names reconcile treats as the tool's pool sessions besides the configured range: the retiring ones. */
export function retiringNames(ctx: Context, state: State): string[] {
  const dedicated = new Set(ctx.config.pool.dedicated.map((d) => d.session));
  return retiringSessions(ctx.config.pool.autonomous, dedicated, Object.keys(state.sessions));
}

/** `<pid>:<start time>` of the tmux server, or null when none runs (or it cannot be asked). */
async function serverIdentity(ctx: Context, anySession: string | undefined): Promise<string | null> {
  if (anySession === undefined) return null;
  return ctx.tmux.displayMessage(`=${anySession}:`, '#{pid}:#{start_time}').catch(() => null);
}

/** Before judging: vanished-together sessions, then claims without a holder. */
export async function reclaim(ctx: Context, state: State, report: OwnershipReport, dryRun: boolean, tmuxSessions: ReadonlySet<string>): Promise<void> {
  await giveBackVanished(ctx, state, report, dryRun, tmuxSessions);
  await reownClaims(ctx, state, report, dryRun, tmuxSessions);
}

function ownNames(ctx: Context, state: State): string[] {
  const dedicated = new Set(ctx.config.pool.dedicated.map((d) => d.session));
  const retiring = new Set(retiringNames(ctx, state));
  return Object.keys(state.sessions).filter((n) => isPoolSessionName(n, ctx.config.pool.autonomous) || dedicated.has(n) || retiring.has(n));
}

async function giveBackVanished(ctx: Context, state: State, report: OwnershipReport, dryRun: boolean, tmuxSessions: ReadonlySet<string>): Promise<void> {
  const known = ownNames(ctx, state);
  const gone = known.filter((name) => !tmuxSessions.has(name));
  const working = gone.filter((name) => {
    const record = asLifecycle(state.sessions[name]!);
    return record.task !== null && (record.state === 'working' || record.state === 'stalled') && !record.launch;
  });
  if (working.length === 0) return;
  const cause = vanishCause({
    recordedServer: state.tmuxServer ?? null,
    currentServer: await serverIdentity(ctx, [...tmuxSessions][0]),
    known: known.length,
    gone: gone.length,
  });
  if (!cause.shared) return;
  report.vanished = { reason: cause.reason, tasks: [] };
  const now = ctx.clock.now();
  for (const name of working) {
    const record = asLifecycle(state.sessions[name]!);
    const claimed = record.task as string;
    const entry = { session: name, task: record.taskName ?? claimed, pending: null as string | null };
    report.vanished.tasks.push(entry);
    if (dryRun) continue;
    // Back to pending as it is: the attempt count stays, the session takes work again at once (no lastFail).
    if (await exists(claimed)) entry.pending = await unclaimTask(claimed);
    const idle = idleAfter(record, now);
    state.sessions[name] = idle;
    const conversation = record.conversationId;
    await keepConversation(ctx, idle, name, isUuid(conversation) ? conversation : null, entry.pending);
    ctx.log.warn(`${name}: ${entry.task} back to pending, not counted against it: ${cause.reason}`);
  }
}

type Claim = Omit<OrphanClaim, 'foreignRunner'>;

async function orphanClaims(ctx: Context, state: State): Promise<Claim[]> {
  const held = new Set(Object.values(state.sessions).map((r) => r.task).filter((t): t is string => typeof t === 'string'));
  const nowMs = ctx.clock.now().getTime();
  const claims: Claim[] = [];
  for (const project of projectDirs(ctx.config)) {
    const listing = await listInbox(project).catch(() => null);
    for (const task of listing?.tasks ?? []) {
      const claimed = `${task.path}.dispatched`;
      if (!task.dispatched || held.has(claimed)) continue;
      // The rename that claimed it set the change time; a file gone meanwhile is no claim.
      const info = await lstat(claimed).catch(() => null);
      if (info) claims.push({ claimed, project, taskName: task.name, ageMs: nowMs - info.ctimeMs });
    }
  }
  return claims;
}

/** Per claim, a tmux session outside `ours` whose live Claude Code in the claim's project holds the task's message. */
async function foreignRunners(claims: readonly Claim[], registry: ReadonlyMap<string, RegistryEntry>, ours: ReadonlySet<string>): Promise<OrphanClaim[]> {
  const others = [...registry.entries()].filter(([name]) => !ours.has(name));
  const projects = new Set(claims.map((c) => c.project));
  const tails = await Promise.all(others.map(async ([name, entry]) => ({ name, entry, records: projects.has(entry.cwd) ? await transcriptTailOf(entry) : null })));
  return claims.map((claim) => {
    const runner = tails.find((t) => t.entry.cwd === claim.project && t.records && findSubmission(t.records, claim.taskName, t.entry.startedAt ?? 0));
    return { ...claim, foreignRunner: runner?.name ?? null };
  });
}

async function reownClaims(ctx: Context, state: State, report: OwnershipReport, dryRun: boolean, tmuxSessions: ReadonlySet<string>): Promise<void> {
  const pool = ctx.config.pool.autonomous;
  const unheld = [...tmuxSessions].filter((name) => {
    if (!isPoolSessionName(name, pool)) return false;
    const record = state.sessions[name];
    return !record || (record.state === 'idle' && !record.task && !asLifecycle(record).launch);
  });
  const found = await orphanClaims(ctx, state);
  if (found.length === 0 && unheld.length === 0) return;
  // One batched tmux call: the panes' shells tie registry entries to sessions (process ancestry). With a claim no
  // record holds, every session is looked at, so that another scheduler's Claude Code running it is seen too.
  const panes = await ctx.tmux.inspectMany(found.length > 0 ? [...tmuxSessions] : unheld);
  const registry = await registryByPane(registryHomes(ctx.config, state), paneRoots(panes));
  // The usual run: every claim has its holder, and no session that holds nothing runs a Claude Code the registry
  // knows; nothing more is read then.
  const suspects = found.length > 0 ? unheld : unheld.filter((name) => !state.sessions[name] || registry.has(name));
  if (suspects.length === 0) return;
  const ownNames = new Set([...Object.keys(state.sessions), ...unheld]);
  const claims = found.length > 0 ? await foreignRunners(found, registry, ownNames) : [];
  const facts = await Promise.all(suspects.map(async (name): Promise<UnheldSession> => {
    const pane = panes.get(name) ?? null;
    const reading = pane === null ? null : readPane(pane.text);
    const entry = registry.get(name);
    const running = reading !== null && claudeRunning(reading, isShellCommand(pane?.command));
    const transcript = running && entry && claims.length > 0 ? await transcriptTailOf(entry) : null;
    const submissions = claims.flatMap((claim) => {
      const found = transcript ? findSubmission(transcript, claim.taskName, entry?.startedAt ?? 0) : null;
      return typeof found?.timestamp === 'string' ? [{ taskName: claim.taskName, timestamp: found.timestamp }] : [];
    });
    return { name, claudeRunning: running, busy: entry?.status === 'busy' || reading?.busy === true, cwd: entry?.cwd ?? null, submissions };
  }));
  const now = ctx.clock.now();
  // A claim is made before its message is typed: give a launch its prompt wait and the paste before judging.
  const launchWindowMs = ctx.config.dispatch.promptTimeoutMs + LAUNCH_MARGIN_MS;
  for (const step of planOwnership(claims, facts, launchWindowMs)) {
    try {
      switch (step.kind) {
        case 'adopt': {
          report.adopted.push({ session: step.session, task: step.claim.taskName, project: step.claim.project, submittedAt: step.submittedAt });
          if (dryRun) break;
          const entry = registry.get(step.session);
          const account = ctx.config.accounts.find((a) => a.home === entry?.home)?.name;
          state.sessions[step.session] = {
            ...idleSession(now),
            lastFail: state.sessions[step.session]?.lastFail ?? null,
            state: 'working',
            task: step.claim.claimed,
            project: step.claim.project,
            taskName: step.claim.taskName,
            submittedAt: step.submittedAt,
            ...(account ? { account } : {}),
            ...(entry ? { home: entry.home } : {}),
          };
          ctx.log.warn(`${step.session}: re-owns ${step.claim.claimed}: its conversation holds the task's message (no record held the claim)`);
          break;
        }
        case 'give-back': {
          const entry = { task: step.claim.taskName, project: step.claim.project, pending: pendingPathOf(step.claim.claimed), reason: step.reason };
          if (!dryRun) entry.pending = await unclaimTask(step.claim.claimed);
          report.givenBack.push(entry);
          if (!dryRun) ctx.log.warn(`${step.claim.claimed}: ${step.reason}; back to pending, not counted against it`);
          break;
        }
        case 'wait':
          report.waiting.push({ subject: step.claim.claimed, reason: step.reason });
          break;
        case 'leave':
          report.waiting.push({ subject: step.session, reason: step.reason });
          break;
        case 'recycle':
          report.recycled.push({ session: step.session, reason: step.reason });
          if (dryRun) break;
          await exitClaude(ctx, step.session);
          state.sessions[step.session] = idleAfter(state.sessions[step.session], now);
          break;
        default:
          unreachable(step, 'ownership step');
      }
    } catch (error) {
      report.waiting.push({ subject: 'claim' in step ? step.claim.claimed : step.session, reason: `failed: ${errorMessage(error)}` });
    }
  }
}

/**
 * After judging: retiring sessions that hold nothing any more are closed; the tmux server's identity is kept for the
 * next run; and the report loses the entries of moves that failed (their error is reported on its own).
 */
export async function settle(ctx: Context, state: State, report: OwnershipReport, dryRun: boolean, finished: Array<{ movedTo: string | null }>, requeued: Array<{ requeuedTo: string | null; failedTo: string | null }>): Promise<void> {
  if (dryRun) return;
  for (const name of retiringNames(ctx, state)) {
    const record = state.sessions[name]!;
    if (record.task || asLifecycle(record).launch) continue;
    await ctx.tmux.killSession(name);
    delete state.sessions[name];
    report.retired.push(name);
    ctx.log.info(`${name}: outside the pool range now: closed`);
  }
  const present = await ctx.tmux.listSessions();
  const identity = await serverIdentity(ctx, present[0]);
  if ((state.tmuxServer ?? null) !== identity) state.tmuxServer = identity;
  dropUnmade(finished, (f) => f.movedTo !== null);
  dropUnmade(requeued, (q) => q.requeuedTo !== null || q.failedTo !== null);
}

function dropUnmade<T>(list: T[], made: (entry: T) => boolean): void {
  const kept = list.filter(made);
  list.splice(0, list.length, ...kept);
}

export function renderOwnership(report: OwnershipReport, style: Style): string[] {
  const lines: string[] = [];
  if (report.vanished) {
    lines.push(style.yellow(`${report.vanished.reason}: ${plural(report.vanished.tasks.length, 'task')} back to pending, not counted against ${report.vanished.tasks.length === 1 ? 'it' : 'them'}`));
    for (const t of report.vanished.tasks) lines.push(style.yellow(`  ${t.session} ${t.task}${t.pending ? ` → ${t.pending}` : ''}`));
  }
  for (const a of report.adopted) lines.push(style.yellow(`re-owned: ${a.session} ${a.task} (${a.project}): its conversation holds the task`));
  for (const g of report.givenBack) lines.push(style.yellow(`given back: ${g.task} (${g.project}): ${g.reason} → ${g.pending}`));
  for (const w of report.waiting) lines.push(style.yellow(`waiting: ${w.subject}: ${w.reason}`));
  for (const r of report.recycled) lines.push(style.yellow(`recycled: ${r.session}: ${r.reason}`));
  if (report.retired.length) lines.push(`closed (outside the pool range): ${report.retired.join(', ')}`);
  return lines;
}
