import { describe, expect, it } from 'vitest';
import { classifySession } from '../../../src/quota/core/classify.js';
import { LIMIT_TYPES, limitScopeOf } from '../../../src/claude-code/core/limit-wordings.js';
import { paneShowsUsageLimit } from '../../../src/claude-code/core/limit-scan.js';
import { LOOK_ALIKES, WORDINGS, type Wording } from '../../support/limit-cases.js';
import { NOT_CURRENT, RENDERINGS, type Rendering } from '../../support/limit-screens.js';

/**
 * Every usage-limit wording × every rendering, and every look-alike × every rendering, read as check-quota reads
 * them. The wordings come from the reference README (publicly reported), the reference captures and the strings
 * of releases 2.1.100, 2.1.200, 2.1.328 and 2.1.332. Clock: Saturday 2026-11-21 19:30 UTC; the machine's zone: UTC.
 */
const NOW = new Date('2026-11-21T19:30:00Z');
const classify = (pane: string) => classifySession({ pane, now: NOW, defaultZone: 'UTC' });

const drawn = (renderings: readonly Rendering[], texts: readonly string[]) =>
  renderings.flatMap((rendering) => texts.flatMap((text) => {
    const pane = rendering.draw(text);
    return pane === null ? [] : [{ rendering: rendering.name, text, pane }];
  }));

const CASES = drawn(RENDERINGS, WORDINGS.map(([text]) => text)).map(({ rendering, text, pane }) => {
  const [, pattern, limitType, limitModel, kind, resetAt] = WORDINGS.find(([t]) => t === text) as Wording;
  return [rendering, text, pane, { kind, pattern, limitType, limitModel, resetAt }] as const;
});

describe('every wording × every rendering reads as that limit', () => {
  it.each(CASES)('%s: %s', (_rendering, _text, pane, expected) => {
    expect(classify(pane)).toMatchObject({ ...expected, source: 'pane', veto: null });
    expect(paneShowsUsageLimit(pane)).toBe(true);
  });
});

const LOOK_ALIKE_CASES = drawn(RENDERINGS.filter((r) => !r.ownLimit), LOOK_ALIKES).map(({ rendering, text, pane }) => [rendering, text, pane] as const);

describe('every look-alike × every rendering is no limit', () => {
  it.each(LOOK_ALIKE_CASES)('%s: %s', (_rendering, _text, pane) => {
    expect(classify(pane)).toMatchObject({ kind: 'clear', pattern: null });
    expect(paneShowsUsageLimit(pane)).toBe(false);
  });
});

const NOT_CURRENT_CASES = drawn(NOT_CURRENT, WORDINGS.map(([text]) => text)).map(({ rendering, text, pane }) => [rendering, text, pane] as const);

describe("a limit's words where they are not the current limit never count", () => {
  it.each(NOT_CURRENT_CASES)('%s: %s', (_place, _text, pane) => {
    expect(classify(pane)).toMatchObject({ kind: 'clear', pattern: null });
    expect(paneShowsUsageLimit(pane)).toBe(false);
  });
});

describe('limit kinds', () => {
  it.each(Object.entries(LIMIT_TYPES))('%s has a scope and a meaning', (name, { scope, meaning }) => {
    expect(limitScopeOf(name)).toBe(scope);
    expect(meaning.length).toBeGreaterThan(10);
  });

  it.each([
    [null, 'account'],
    ['five_hour', 'account'],
    ['seven_day_opus', 'model'],
    ['api_rate_limit', 'short'],
    ['some_future_window', 'account'],
  ] as const)('the scope of %s is %s (unknown types are account-wide: fail-safe)', (limitType, scope) => {
    expect(limitScopeOf(limitType)).toBe(scope);
  });
});
