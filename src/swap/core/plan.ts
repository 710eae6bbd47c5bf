import type { Account } from '../../base/core/config.js';
import { shellQuote, typeable } from '../../claude-code/core/launch.js';
import type { AccountRecord, SessionRecord } from '../../base/core/state.js';
import type { JournalSession } from './journal.js';
import { isUuid } from '../../base/core/uuid.js';
import { loginFailed } from '../../accounts/core/login-failure.js';

/**
 * The swap's decisions, pure: which account to move to, which sessions the swap stops and how each
 * comes back, and the command line that resumes a dedicated session's conversation under the new home.
 */

export type TargetChoice =
  | { ok: true; target: Account; warning: string | null }
  /** `--to` names no configured account: a usage error. */
  | { ok: false; code: 'unknown-account'; message: string }
  /** Nothing to move to: every other account is exhausted, or there is no other account. */
  | { ok: false; code: 'all-exhausted'; message: string; earliestReset: string | null }
  /** No other account is usable, but the active one is: it stays active; nothing is exhausted for the fleet. */
  | { ok: false; code: 'no-other-usable'; message: string; earliestReset: string | null };

export interface TargetInput {
  accounts: readonly Account[];
  active: Account;
  records: Readonly<Record<string, AccountRecord>>;
  now: Date;
  /** `--to NAME`, or null for "the next one in order". */
  requested: string | null;
}

/** Until when an account is exhausted (ISO), or null when it is usable now. */
export function exhaustedUntil(record: AccountRecord | undefined, now: Date): string | null {
  const until = record?.exhaustedUntil;
  if (typeof until !== 'string') return null;
  const at = Date.parse(until);
  return Number.isNaN(at) || at <= now.getTime() ? null : new Date(at).toISOString();
}

/** An account serves now: not exhausted, and its login not known to fail. */
const serves = (record: AccountRecord | undefined, now: Date) => exhaustedUntil(record, now) === null && !loginFailed(record);

/** Why an account does not serve, for a message. */
function whyNot(name: string, record: AccountRecord | undefined, now: Date): string {
  if (loginFailed(record)) return `${name} login failed since ${String(record?.loginFailedAt)}`;
  return `${name} exhausted until ${exhaustedUntil(record, now) ?? 'an unknown time'}`;
}

/**
 * `--to` when given (an exhausted or login-failed one is allowed, with a warning: the operator knows something we
 * do not); otherwise the next account after the active one in failover order, wrapping around, that serves (not
 * exhausted, login not failed).
 */
export function chooseTarget(input: TargetInput): TargetChoice {
  const { accounts, active, records, now } = input;
  if (input.requested !== null) {
    const target = accounts.find((a) => a.name === input.requested);
    if (!target) {
      return { ok: false, code: 'unknown-account', message: `--to ${input.requested}: no such account (configured: ${accounts.map((a) => a.name).join(', ')})` };
    }
    const until = exhaustedUntil(records[target.name], now);
    const failed = loginFailed(records[target.name]);
    const marked = failed ? `its login failed since ${String(records[target.name]?.loginFailedAt)}` : until ? `exhausted until ${until}` : null;
    return { ok: true, target, warning: marked ? `${target.name} is marked ${marked}; swapping to it as asked` : null };
  }
  const start = Math.max(0, accounts.findIndex((a) => a.name === active.name));
  const others = [...accounts.slice(start + 1), ...accounts.slice(0, start)].filter((a) => a.name !== active.name);
  const usable = others.find((a) => serves(records[a.name], now));
  if (usable) return { ok: true, target: usable, warning: null };
  if (serves(records[active.name], now)) return stayOnActive(active, others, records, now);
  if (others.length === 0) {
    return { ok: false, code: 'all-exhausted', earliestReset: null, message: `no other account to swap to (only ${active.name} is configured)` };
  }
  // The earliest moment any account (the active one included) becomes usable again.
  const resets = accounts.map((a) => exhaustedUntil(records[a.name], now)).filter((u): u is string => u !== null).sort();
  const earliest = resets[0] ?? null;
  const failedLogins = accounts.filter((a) => loginFailed(records[a.name])).map((a) => a.name);
  if (failedLogins.length > 0) {
    // A failed login does not come back at a reset time: say which accounts need someone to log in.
    const why = accounts.map((a) => whyNot(a.name, records[a.name], now));
    return { ok: false, code: 'all-exhausted', earliestReset: earliest, message: `no account can serve (${why.join(', ')}); log in again to ${failedLogins.join(', ')}` };
  }
  return { ok: false, code: 'all-exhausted', earliestReset: earliest, message: `all accounts exhausted until ${earliest ?? 'an unknown time'}` };
}

/**
 * "All exhausted" is for a fleet with nowhere to go. When the active account still serves, the answer is that
 * nothing better exists: `no other usable account (backup exhausted until …); main stays active`.
 */
function stayOnActive(active: Account, others: readonly Account[], records: TargetInput['records'], now: Date): TargetChoice {
  const why = others.map((a) => whyNot(a.name, records[a.name], now));
  const resets = others.map((a) => exhaustedUntil(records[a.name], now)).filter((u): u is string => u !== null).sort();
  const message = others.length === 0
    ? `no other account to swap to (only ${active.name} is configured); ${active.name} stays active`
    : `no other usable account (${why.join(', ')}); ${active.name} stays active`;
  return { ok: false, code: 'no-other-usable', message, earliestReset: resets[0] ?? null };
}

/** What the swap sees of one configured session before it stops it. */
export interface SessionFacts {
  name: string;
  kind: 'pool' | 'dedicated';
  /** The configured project of a dedicated session (null for pool sessions). */
  project: string | null;
  /** The state's record (pool sessions; dedicated ones may have one too). */
  record: SessionRecord | undefined;
  /** Claude Code's live registry entry matched to this session's pane (by process ancestry), if any. */
  registry: { sessionId: string; cwd: string } | null;
  /** The conversation a pool session's record names: the id its launch gave Claude Code. */
  recorded: string | null;
  /**
   * A dedicated session without a registry entry: the conversation its Claude Code process is proven to write
   * (claude-code/core/session-match.ts), if any.
   */
  written: string | null;
  /** The validated `--resume <uuid>` hint on the pane, if any. */
  paneHint: string | null;
  /** The processes running in the session's pane: the swap waits for them to exit before resuming elsewhere. */
  processes: readonly number[];
  /** A menu (e.g. the usage-limit one) is open: Escape before anything else. */
  menu: boolean;
}

export interface SessionPlan {
  /** Every existing configured session, as the journal records it. */
  sessions: JournalSession[];
  /** Sessions with an open menu to dismiss before they are stopped. */
  menus: string[];
  /** The processes of the sessions to stop, to wait for after the stop. */
  processes: number[];
}

const uuidOrNull = (value: unknown): string | null => (isUuid(value) ? value.toLowerCase() : null);

/** A pool session holding a task (running, stalled, or launched by a dispatch that was killed). */
function heldTask(record: SessionRecord | undefined): string | null {
  if (!record || typeof record.task !== 'string' || record.state === 'idle' || record.state === 'failed') return null;
  return record.task;
}

/**
 * Which conversation each session resumes after the swap, only validated UUIDs. A pool session: the id its launch
 * recorded (the tool chose it, so it holds on every release), else the live registry entry, else the pane's resume
 * hint, else the id an interrupted dispatch had taken. Idle pool sessions keep nothing: they come back fresh. A
 * dedicated session: its registry entry, else the transcript its process is proven to write, else the pane's hint;
 * none leaves it at its shell. Dedicated sessions keep their conversation's folder.
 */
export function planSwapSessions(facts: readonly SessionFacts[], operatorHome: string): SessionPlan {
  const sessions: JournalSession[] = [];
  for (const fact of facts) {
    const registryId = uuidOrNull(fact.registry?.sessionId);
    const hint = uuidOrNull(fact.paneHint);
    if (fact.kind === 'pool') {
      const task = heldTask(fact.record);
      const launch = (fact.record as { launch?: { resumeId?: unknown } | null } | undefined)?.launch;
      sessions.push({
        name: fact.name,
        kind: 'pool',
        cwd: operatorHome,
        resumeId: task ? (uuidOrNull(fact.recorded) ?? registryId ?? hint ?? uuidOrNull(launch?.resumeId)) : null,
        task,
        project: task ? fact.record?.project ?? null : null,
        stopped: false,
        launching: false,
        done: false,
      });
    } else {
      const cwd = fact.registry && fact.registry.cwd.startsWith('/') ? fact.registry.cwd : (fact.project as string);
      const resumeId = registryId ?? uuidOrNull(fact.written) ?? hint;
      sessions.push({ name: fact.name, kind: 'dedicated', cwd, resumeId, task: null, project: fact.project, stopped: false, launching: false, done: false });
    }
  }
  return { sessions, menus: facts.filter((f) => f.menu).map((f) => f.name), processes: [...new Set(facts.flatMap((f) => f.processes))] };
}

export interface ResumeSpec {
  cwd: string;
  home: string;
  claudeCommand: string;
  resumeId: string;
}

/**
 * `cd '<cwd>' && CLAUDE_CONFIG_DIR='<home>' <claude_command> --dangerously-skip-permissions --resume <uuid>`: the
 * conversation continues where it was, under the new account. `cd` because Claude Code looks the transcript up by
 * folder; no `--model`, because a dedicated session is the operator's and keeps Claude Code's own default.
 */
export function resumeCommandLine(spec: ResumeSpec): string {
  if (!isUuid(spec.resumeId)) throw new Error(`not a session UUID: ${JSON.stringify(spec.resumeId)}`);
  return typeable([`cd ${shellQuote(spec.cwd)} &&`, `CLAUDE_CONFIG_DIR=${shellQuote(spec.home)}`, spec.claudeCommand, '--dangerously-skip-permissions', '--resume', spec.resumeId].join(' '));
}
