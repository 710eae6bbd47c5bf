/**
 * What to do with a launch that a killed dispatch left half done (a session record still carrying its launch
 * intent). Nothing may be lost and nothing may run twice, so the decision rests on evidence, not on hope:
 * - the claim never happened (the task is still pending, or gone elsewhere): undo the intent;
 * - the task reached Claude Code (its transcript has the submitted message, or Claude Code is busy with it): it
 *   is running, so keep it as a normal working session;
 * - claimed but never submitted: the session is recreated (dropping anything half typed) and the task goes back
 *   to pending with the attempt counted.
 */

export type RecoveryAction =
  | { kind: 'undo'; reason: string }
  | { kind: 'promote' }
  | { kind: 'requeue'; reason: string };

export interface RecoveryInput {
  claimedExists: boolean;
  sessionExists: boolean;
  submitted: boolean;
}

export function recoverLaunch(input: RecoveryInput): RecoveryAction {
  if (!input.claimedExists) return { kind: 'undo', reason: 'dispatch was interrupted before the claim' };
  if (input.submitted && input.sessionExists) return { kind: 'promote' };
  if (!input.sessionExists) return { kind: 'requeue', reason: 'dispatch was interrupted and the session is gone' };
  return { kind: 'requeue', reason: 'dispatch was interrupted before the task was submitted' };
}
