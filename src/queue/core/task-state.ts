/**
 * Which queue state a task is in, decoded from the files of `inbox/` alone (the state file is not needed): the one
 * reading of the markers that scan-inbox, dispatch, status and delegation share. A task is in exactly one state:
 *
 * | state       | files in `inbox/`                                   |
 * |-------------|-----------------------------------------------------|
 * | pending     | `T.md` (with `T.md.local` when delegation fell back) |
 * | delegating  | `T.md` + `T.md.delegating`                           |
 * | delegated   | `T.md.delegated` (beside `T.md`)                     |
 * | dispatched  | `T.md.dispatched`                                    |
 *
 * A claim outranks every marker (the task runs here), a job outranks an intent (the submission got through).
 * Markers without their task are leftovers of a killed run, not a task: null.
 */

export type QueueState = 'pending' | 'delegating' | 'delegated' | 'dispatched';

export const QUEUE_STATES = ['pending', 'delegating', 'delegated', 'dispatched'] as const satisfies readonly QueueState[];

export interface InboxFiles {
  hasFile: boolean;
  delegating: boolean;
  delegated: boolean;
  dispatched: boolean;
}

export function queueStateOf(files: InboxFiles): QueueState | null {
  if (files.dispatched) return 'dispatched';
  if (files.delegated) return 'delegated';
  if (!files.hasFile) return null;
  return files.delegating ? 'delegating' : 'pending';
}

/** A finished task in `done/` or `failed/`: `T.md` (or `T-1.md` after a clash), not a delegated job's `T.result.md`. */
export function isFinishedTaskName(name: string): boolean {
  return name.endsWith('.md') && !name.startsWith('.') && !/\.result(-\d+)?\.md$/.test(name);
}
