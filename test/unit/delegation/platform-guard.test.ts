import { describe, expect, it } from 'vitest';
import { platformGuard } from '../../../src/delegation/core/platform-guard.js';

describe('platformGuard', () => {
  it('counts the platform down only for failures of the platform as a whole, and keeps the first finding', () => {
    const guard = platformGuard();
    guard.note('secutools-rejected');
    guard.note('secutools-malformed');
    expect(guard.down).toBeNull();
    guard.note('secutools-timeout');
    guard.note('secutools-unreachable');
    expect(guard.down).toBe('timeout');
    expect(guard.skipped()).toBe('secutools is out of reach in this run (timeout)');
  });
});
