import { describe, expect, it } from 'vitest';
import { decideSwapRecovery, needsFlipBack, parseJournal, type LinkPosition, type SwapJournal, type SwapPhase } from '../../../src/swap/core/journal.js';

const journal: SwapJournal = {
  id: 'j1',
  pid: 42,
  startedAt: '2026-11-21T12:00:00.000Z',
  reason: 'usage limit',
  by: 'check-quota',
  from: 'main',
  fromHome: '/h/.claude-main',
  to: 'backup',
  toHome: '/h/.claude-backup',
  linkBefore: '/h/.claude-main',
  phase: 'flipping',
  failure: null,
  sessions: [
    { name: 'ccl-auto-11', kind: 'pool', cwd: '/h', resumeId: '0b7a1c2e-3d4f-4a5b-8c6d-7e8f9a0b1c2d', task: '/p/.agent-queue/inbox/a.md.dispatched', project: '/p', stopped: true, launching: false, done: false },
    { name: 'ccl-1-x', kind: 'dedicated', cwd: '/src/x', resumeId: null, task: null, project: '/src/x', stopped: true, launching: false, done: false },
  ],
};

describe('decideSwapRecovery: a killed swap ends fully old or fully new', () => {
  const cases: Array<[SwapPhase, LinkPosition, boolean, string]> = [
    // phase, where the link points now, target links usable → decision
    ['saving', 'from', true, 'roll-back'],
    ['stopping', 'from', true, 'roll-back'],
    ['flipping', 'from', true, 'roll-back'], // killed before the rename: nothing flipped yet
    ['flipping', 'to', true, 'finish'], // flipped, links fine: finish it
    ['flipping', 'to', false, 'roll-back+flip'], // flipped, but the target is broken: point it back
    ['flipping', 'elsewhere', true, 'roll-back+flip'],
    ['rolling-back', 'to', true, 'roll-back+flip'], // a rollback is never turned around
    ['rolling-back', 'from', true, 'roll-back'],
    ['committed', 'to', false, 'finish'], // committed: only the sessions remain to bring back
    ['committed', 'elsewhere', true, 'finish+flip'],
  ];
  it.each(cases)('%s with the link at %s (target usable: %s) → %s', (phase, link, usable, expected) => {
    const decision = decideSwapRecovery({ ...journal, phase }, link, usable);
    const flips = decision.kind === 'finish' ? decision.flip : decision.flipBack;
    expect(decision.kind + (flips ? '+flip' : '')).toBe(expected);
    expect(decision.reason.length).toBeGreaterThan(0);
  });

  it('a link that did not exist before the swap and still does not need not be pointed back', () => {
    expect(needsFlipBack({ linkBefore: null }, 'missing')).toBe(false);
    expect(needsFlipBack({ linkBefore: '/h/.claude-main' }, 'missing')).toBe(true);
    expect(needsFlipBack({ linkBefore: null }, 'to')).toBe(true);
    expect(decideSwapRecovery({ ...journal, phase: 'flipping', linkBefore: null }, 'missing', true)).toMatchObject({ kind: 'roll-back', flipBack: false });
  });
});

describe('parseJournal', () => {
  it('reads back what swap-account writes (through JSON)', () => {
    expect(parseJournal(JSON.parse(JSON.stringify(journal)))).toEqual(journal);
  });

  it('refuses anything it cannot trust: wrong phase, missing fields, a resume id that is not a UUID', () => {
    expect(parseJournal(null)).toBeNull();
    expect(parseJournal({ ...journal, phase: 'exploding' })).toBeNull();
    expect(parseJournal({ ...journal, toHome: undefined })).toBeNull();
    expect(parseJournal({ ...journal, sessions: [{ ...journal.sessions[0], resumeId: '$(reboot)' }] })).toBeNull();
    expect(parseJournal({ ...journal, sessions: [{ ...journal.sessions[0], kind: 'other' }] })).toBeNull();
    expect(parseJournal({ ...journal, sessions: 'none' })).toBeNull();
  });
});
