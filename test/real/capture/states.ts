import { readPane } from '../../../src/claude-code/core/screen.js';
import { resetIn, type StandInMode } from '../harness/anthropic-stand-in.js';

/** The pane size of the captures (the reference captures' size too). */
export const PANE = { width: 120, height: 40 };
/** What is typed in every state that sends a message. */
export const MESSAGE = 'Summarise the open issues.';
/** What the `pasted` state pastes (bracketed paste, as dispatch does): long enough to be shown as a placeholder. */
export const PASTED_MESSAGE = 'Summarise the open issues:\n- the first\n- the second\n- the third';

/**
 * The states a capture records, each in a fresh Claude Code: what the stand-in answers (`mode`), whether a message is
 * sent, and the screen that means the state is reached. The names are the fake's state names too.
 */
export interface CaptureState {
  name: string;
  mode?: () => StandInMode;
  /** Environment put before `claude` on its command line (e.g. no retries, to see the final API error). */
  env?: string;
  send: boolean;
  /** The message is pasted (PASTED_MESSAGE), not typed. */
  paste?: boolean;
  reached: (pane: string) => boolean;
  /** How long the screen is left to settle once reached (a menu drawn after the limit line…). */
  settleMs?: number;
}

const idleAgain = (pane: string) => !readPane(pane).busy;
const shows = (pattern: RegExp) => (pane: string) => pattern.test(pane) && idleAgain(pane);
const retrying = (pane: string) => /attempt [2-9]\/\d+/i.test(pane);

export const CAPTURE_STATES: readonly CaptureState[] = [
  { name: 'idle', send: false, reached: () => true },
  { name: 'busy', mode: () => ({ kind: 'slow', delayMs: 20_000 }), send: true, reached: (pane) => readPane(pane).busy, settleMs: 2500 },
  { name: 'done', mode: () => ({ kind: 'ok' }), send: true, reached: shows(/● Done\./) },
  { name: 'pasted', mode: () => ({ kind: 'ok' }), send: true, paste: true, reached: shows(/● Done\./) },
  { name: 'five-hour-limit', mode: () => ({ kind: 'five-hour-limit', resetsAt: resetIn(3) }), send: true, reached: shows(/hit your (?:5-hour|session) limit/) },
  { name: 'weekly-limit', mode: () => ({ kind: 'weekly-limit', resetsAt: resetIn(50) }), send: true, reached: shows(/hit your weekly limit/), settleMs: 3000 },
  { name: 'expired-login', mode: () => ({ kind: 'expired-login' }), send: true, reached: shows(/401|\/login/) },
  { name: 'revoked-login', mode: () => ({ kind: 'revoked-login' }), send: true, reached: shows(/403|revoked/i) },
  { name: 'invalid-request', mode: () => ({ kind: 'invalid-request' }), send: true, reached: shows(/400|invalid/i) },
  { name: 'server-error-retrying', mode: () => ({ kind: 'server-error' }), send: true, reached: retrying, settleMs: 500 },
  { name: 'overloaded-retrying', mode: () => ({ kind: 'overloaded' }), send: true, reached: retrying, settleMs: 500 },
  { name: 'server-error', mode: () => ({ kind: 'server-error' }), env: 'CLAUDE_CODE_MAX_RETRIES=0 ', send: true, reached: shows(/500|[Ii]nternal server error/) },
  { name: 'overloaded', mode: () => ({ kind: 'overloaded' }), env: 'CLAUDE_CODE_MAX_RETRIES=0 ', send: true, reached: shows(/529|[Oo]verloaded/) },
];
