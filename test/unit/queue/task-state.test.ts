import { describe, expect, it } from 'vitest';
import { isFinishedTaskName, queueStateOf, type InboxFiles } from '../../../src/queue/core/task-state.js';

const files = (present: Partial<InboxFiles>): InboxFiles => ({ hasFile: false, delegating: false, delegated: false, dispatched: false, ...present });

describe('queueStateOf: one state per task, from the inbox files alone', () => {
  it.each([
    [{ hasFile: true }, 'pending'],
    [{ hasFile: true, delegating: true }, 'delegating'],
    [{ hasFile: true, delegated: true }, 'delegated'],
    [{ hasFile: true, delegating: true, delegated: true }, 'delegated'], // the job got through; the intent is a leftover
    [{ delegated: true }, 'delegated'], // a reap killed after its move: the marker still names the job
    [{ dispatched: true }, 'dispatched'],
    [{ hasFile: true, dispatched: true }, 'dispatched'], // an un-claim killed half way: the claim still holds
    [{ delegating: true }, null], // an intent without its task: a leftover, not a task
    [{}, null],
  ] as const)('%o → %s', (present, state) => {
    expect(queueStateOf(files(present))).toBe(state);
  });
});

describe('isFinishedTaskName', () => {
  it.each([
    ['t.md', true],
    ['t-1.md', true],
    ['t.result.md', false],
    ['t.result-2.md', false],
    ['.t.md.1234.tmp', false],
    ['notes.txt', false],
  ])('%s → %s', (name, finished) => expect(isFinishedTaskName(name)).toBe(finished));
});
