import { describe, expect, it } from 'vitest';
import { RECENT_PAST_MS, machineZone, parseResetDetail, parseResetTime } from '../../../src/claude-code/core/reset-time.js';
import { instantOfWallTime, wallTimeAt } from '../../../src/base/core/zoned-time.js';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

describe('parseResetTime: every wording of the reference README and screens', () => {
  // now = 2026-11-21 12:00 UTC (04:00 in Los Angeles, 21:00 in Seoul, 03:00 in Anchorage, 13:00 in Oslo).
  const now = at('2026-11-21T12:00:00Z');
  const cases: Array<[string, string, string, string | null]> = [
    // [text, default zone, why, expected instant]
    ['Claude AI usage limit reached|1749924000', 'UTC', 'epoch seconds after the bar', '2025-06-14T18:00:00.000Z'],
    ['Claude AI usage limit reached|1749924000123', 'UTC', 'epoch milliseconds after the bar', '2025-06-14T18:00:00.123Z'],
    ['5-hour limit reached ∙ resets 3am', 'UTC', '3am is past today → tomorrow', '2026-11-22T03:00:00.000Z'],
    ['5-hour limit reached ∙ resets 3pm', 'UTC', '3pm is still ahead today', '2026-11-21T15:00:00.000Z'],
    ['5-hour limit reached ∙ resets 3am', 'America/Los_Angeles', 'machine zone applies without a printed one', '2026-11-22T11:00:00.000Z'],
    ['⎿ 5-hour limit reached ∙ resets 18:00', 'Europe/Berlin', '24-hour clock in the machine zone', '2026-11-21T17:00:00.000Z'],
    ["You've hit your 5-hour limit · resets 10:21pm (UTC)", 'Asia/Tokyo', 'a printed zone beats the machine zone', '2026-11-21T22:21:00.000Z'],
    ['Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).', 'UTC', 'Etc/GMT+5 is UTC-5', '2026-11-21T18:00:00.000Z'],
    ['Limit reached · resets Dec 17 at 6am (Europe/Oslo)', 'UTC', 'date with "at" and an IANA zone', '2026-12-17T05:00:00.000Z'],
    ['Limit reached · resets in 2h 30m', 'UTC', 'relative', '2026-11-21T14:30:00.000Z'],
    ['resets in 45 minutes', 'UTC', 'relative, long unit', '2026-11-21T12:45:00.000Z'],
    ['Weekly limit reached · resets 10am (Asia/Seoul) · /upgrade to Max or turn on /extra-usage', 'UTC', '10am KST passed (21:00 KST now) → tomorrow', '2026-11-22T01:00:00.000Z'],
    ["You've hit your limit · resets 11pm (America/Anchorage)", 'UTC', 'AKST is UTC-9', '2026-11-22T08:00:00.000Z'],
    ["You've hit your session limit · resets 12:50am (America/Los_Angeles)", 'UTC', '12:50am is just after midnight', '2026-11-22T08:50:00.000Z'],
    ["You've hit your weekly limit · resets Jun 7, 4pm (Europe/Rome)", 'UTC', 'June already past → next year (CEST)', '2027-06-07T14:00:00.000Z'],
    ["You've hit your weekly limit · resets Sep 15 at 7pm", 'UTC', 'date past → next year', '2027-09-15T19:00:00.000Z'],
    ["You've hit your 5-hour limit · resets Nov 24, 7:24pm (UTC)", 'UTC', 'date this year', '2026-11-24T19:24:00.000Z'],
    ["You're out of extra usage · resets 5pm (America/Los_Angeles)", 'UTC', '5pm PST today', '2026-11-22T01:00:00.000Z'],
    ['Usage limit reached · continuing automatically at 10:21pm · esc to cancel', 'UTC', '"continuing automatically at"', '2026-11-21T22:21:00.000Z'],
    ['Usage limit reached · limit resets 10:21pm', 'Europe/Oslo', 'footer wording, machine zone', '2026-11-21T21:21:00.000Z'],
    ['resets 12pm', 'UTC', '12pm is noon (just reached: within the recent-past slack)', '2026-11-21T12:00:00.000Z'],
    ['resets 12am', 'UTC', '12am is midnight', '2026-11-22T00:00:00.000Z'],
    ['resets 7:24 PM', 'UTC', 'space before an upper-case meridiem', '2026-11-21T19:24:00.000Z'],
    ['resets 5pm (UTC+2)', 'UTC', 'a whole-hour UTC offset', '2026-11-21T15:00:00.000Z'],
    ['resets 5pm (europe/oslo)', 'UTC', 'zone names are case-insensitive', '2026-11-21T16:00:00.000Z'],
    // Unknown: never a guess.
    ['resets soon', 'UTC', 'no time', null],
    ['resets 18', 'UTC', 'a bare hour past 12 can only be 18:00', '2026-11-21T18:00:00.000Z'],
    ['resets 13pm', 'UTC', 'impossible 12-hour time', null],
    ['resets 25:00', 'UTC', 'impossible 24-hour time', null],
    ['resets 10:75pm', 'UTC', 'impossible minutes', null],
    ['resets 10pm (Mars/Olympus)', 'UTC', 'unknown zone: hours off would be worse than unknown', null],
    ['resets 10pm (UTC+5:30)', 'UTC', 'an offset with minutes, computed without Intl', '2026-11-21T16:30:00.000Z'],
    ['resets Feb 30 at 1pm', 'UTC', 'impossible date', null],
    ['Usage limit reached', 'UTC', 'no reset at all', null],
    ['', 'UTC', 'empty', null],
  ];
  it.each(cases)('%s (%s: %s)', (text, zone, _why, expected) => {
    expect(iso(parseResetTime(text, now, zone))).toBe(expected);
  });

  it('reads the machine zone when none is given', () => {
    const text = 'resets 3am';
    expect(iso(parseResetTime(text, now))).toBe(iso(parseResetTime(text, now, machineZone())));
  });

  it('says whether the zone was printed', () => {
    expect(parseResetDetail('resets 10:21pm (UTC)', now, 'Europe/Oslo')).toMatchObject({ zone: 'UTC', explicitZone: true });
    expect(parseResetDetail('limit resets 10:21pm', now, 'Europe/Oslo')).toMatchObject({ zone: 'Europe/Oslo', explicitZone: false });
  });
});

describe('a time just past is now, not tomorrow', () => {
  // The screen shows minutes only (10:21pm for 22:21:32) and lags: tomorrow would lock the account for a day.
  it('keeps a reset that passed less than the slack ago', () => {
    expect(iso(parseResetTime('resets 10:21pm (UTC)', at('2026-11-21T22:21:40Z'), 'UTC'))).toBe('2026-11-21T22:21:00.000Z');
  });
  it('takes the next day once the slack is over', () => {
    const later = new Date(Date.parse('2026-11-21T22:21:00Z') + RECENT_PAST_MS + 1000);
    expect(iso(parseResetTime('resets 10:21pm (UTC)', later, 'UTC'))).toBe('2026-11-22T22:21:00.000Z');
  });
  it('rolls a date over into next year once past', () => {
    expect(iso(parseResetTime('resets Nov 20, 7pm (UTC)', at('2026-11-21T12:00:00Z'), 'UTC'))).toBe('2027-11-20T19:00:00.000Z');
  });
});

describe('DST edges', () => {
  it('a wall time in the spring-forward gap moves forward by the gap (Oslo, 2026-03-29 02:00 → 03:00)', () => {
    const now = at('2026-03-28T23:00:00Z'); // 00:00 CET
    expect(iso(parseResetTime('resets 2:30am', now, 'Europe/Oslo'))).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(iso(parseResetTime('resets 1am', now, 'Europe/Oslo'))).toBe('2026-03-29T00:00:00.000Z'); // 01:00 CET
    expect(iso(parseResetTime('resets 3am', now, 'Europe/Oslo'))).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
  });

  it('a repeated wall time means its first occurrence (New York, 2026-11-01 02:00 EDT → 01:00 EST)', () => {
    const now = at('2026-11-01T04:00:00Z'); // 00:00 EDT
    expect(iso(parseResetTime('resets 1:30am', now, 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z'); // EDT
    expect(iso(parseResetTime('resets 3am', now, 'America/New_York'))).toBe('2026-11-01T08:00:00.000Z'); // EST
  });

  it('"tomorrow" across a DST change is the same wall time, not 24 hours later', () => {
    const now = at('2026-03-28T22:00:00Z'); // 23:00 CET on the 28th; 22:00 CET today has passed
    expect(iso(parseResetTime('resets 10pm (Europe/Oslo)', now, 'UTC'))).toBe('2026-03-29T20:00:00.000Z'); // 22:00 CEST
  });

  it('southern hemisphere: Sydney leaves DST on 2026-04-05 03:00 AEDT → 02:00 AEST', () => {
    const now = at('2026-04-04T13:00:00Z'); // 00:00 AEDT on the 5th
    expect(iso(parseResetTime('resets 2:30am (Australia/Sydney)', now, 'UTC'))).toBe('2026-04-04T15:30:00.000Z'); // first, AEDT
    expect(iso(parseResetTime('resets 9am (Australia/Sydney)', now, 'UTC'))).toBe('2026-04-04T23:00:00.000Z'); // AEST
  });
});

describe('zoned wall time', () => {
  it('round-trips every hour of a DST day', () => {
    for (let hour = 0; hour < 24; hour++) {
      if (hour === 2) continue; // the gap hour does not exist
      const instant = instantOfWallTime({ year: 2026, month: 3, day: 29, hour, minute: 15 }, 'Europe/Oslo');
      expect(instant).not.toBeNull();
      expect(wallTimeAt(instant as Date, 'Europe/Oslo')).toMatchObject({ day: 29, hour, minute: 15 });
    }
  });
  it('refuses impossible dates and unknown zones', () => {
    expect(instantOfWallTime({ year: 2026, month: 2, day: 29, hour: 1, minute: 0 }, 'UTC')).toBeNull();
    expect(instantOfWallTime({ year: 2028, month: 2, day: 29, hour: 1, minute: 0 }, 'UTC')?.toISOString()).toBe('2028-02-29T01:00:00.000Z');
    expect(instantOfWallTime({ year: 2026, month: 1, day: 1, hour: 1, minute: 0 }, 'No/Such_Zone')).toBeNull();
  });
});
