import { describe, expect, it } from 'vitest';
import { RECENT_PAST_MS, machineZone, parseResetDetail, parseResetTime } from '../../../src/claude-code/core/reset-time.js';
import { instantOfWallTime, instantsOfWallTime, wallTimeAt, zoneFromLabel } from '../../../src/base/core/zoned-time.js';

const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

/**
 * Every reset form at fixed clocks in several zones, DST changes (New York, Oslo, Sydney; spring and fall) and New
 * Year included. [text, clock, the machine's zone, expected instant (null: unknown, never a guess), why]. The
 * expected instants were worked out from the wall times with GNU date's own zone rules, not with this code.
 */
const RESET_CASES: ReadonlyArray<[string, string, string, string | null, string]> = [
  ["resets 3pm", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T15:00:00.000Z", "12-hour, already past today: tomorrow"],
  ["resets 9:45pm", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:45:00.000Z", "12-hour with minutes, ahead today"],
  ["resets 9:45 PM", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:45:00.000Z", "upper-case meridiem after a space"],
  ["resets 9:45 p.m.", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:45:00.000Z", "dotted meridiem"],
  ["resets 9:45 PM", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:45:00.000Z", "narrow no-break space before PM (Intl in recent ICU)"],
  ["resets 9:45pm", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:45:00.000Z", "no-break space after the lead"],
  ["resets 12am", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T00:00:00.000Z", "12am is midnight"],
  ["resets 12pm", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T12:00:00.000Z", "12pm is noon (past: tomorrow)"],
  ["resets 12:50am", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T00:50:00.000Z", "just after midnight"],
  ["resets 21:00", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:00:00.000Z", "24-hour clock"],
  ["resets 00:30", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T00:30:00.000Z", "24-hour clock after midnight"],
  ["resets 21:00:00", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:00:00.000Z", "24-hour clock with seconds"],
  ["resets noon", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T12:00:00.000Z", "noon"],
  ["resets midnight", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T00:00:00.000Z", "midnight"],
  ["resets 19:25", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T19:25:00.000Z", "5 minutes past: resetting now, not tomorrow"],
  ["resets 19:15", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T19:15:00.000Z", "15 minutes past (beyond the slack): tomorrow"],
  ["resets 11:55pm", "2026-11-22T00:02:00Z", "UTC", "2026-11-21T23:55:00.000Z", "yesterday's time 7 minutes ago: resetting now"],
  ["resets 9pm", "2026-11-21T19:30:00Z", "America/Los_Angeles", "2026-11-22T05:00:00.000Z", "the machine's zone when none is printed"],
  ["resets 9pm", "2026-11-21T19:30:00Z", "Asia/Tokyo", "2026-11-22T12:00:00.000Z", "the machine's zone is a day ahead"],
  ["resets 9pm (Europe/Oslo)", "2026-11-21T19:30:00Z", "America/Los_Angeles", "2026-11-21T20:00:00.000Z", "a printed IANA zone beats the machine zone"],
  ["resets 9pm (US/Pacific)", "2026-11-21T19:30:00Z", "Europe/Oslo", "2026-11-22T05:00:00.000Z", "legacy alias US/Pacific"],
  ["resets 9pm (Asia/Calcutta)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T15:30:00.000Z", "legacy alias Asia/Calcutta (UTC+5:30, already Nov 22 there)"],
  ["resets 9pm (Asia/Kolkata)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T15:30:00.000Z", "Asia/Kolkata"],
  ["resets 9pm (Etc/GMT+5)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T02:00:00.000Z", "POSIX sign: Etc/GMT+5 is UTC-5"],
  ["resets 9pm (UTC+2)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T19:00:00.000Z", "UTC+2 (21:00 there passed half an hour ago: tomorrow)"],
  ["resets 9pm (GMT-3)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T00:00:00.000Z", "GMT-3"],
  ["resets 11pm (UTC+5:30)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T17:30:00.000Z", "an offset with minutes"],
  ["resets 11pm (+05:45)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T17:15:00.000Z", "a bare offset"],
  ["resets 9pm PST", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T05:00:00.000Z", "PST is UTC-8"],
  ["resets 9pm PDT", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T04:00:00.000Z", "PDT is UTC-7 whatever the date"],
  ["resets 9pm CET", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T20:00:00.000Z", "CET is UTC+1"],
  ["resets 9pm UTC", "2026-11-21T19:30:00Z", "Asia/Tokyo", "2026-11-21T21:00:00.000Z", "a bare UTC after the time"],
  ["resets 9pm (utc)", "2026-11-21T19:30:00Z", "Asia/Tokyo", "2026-11-21T21:00:00.000Z", "zone names in any case"],
  ["resets 9pm (Asia/Kathmandu)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T15:15:00.000Z", "a UTC+5:45 zone"],
  ["resets 9pm (America/St_Johns)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T00:30:00.000Z", "a UTC-3:30 zone"],
  ["resets 3pm (in 2 hours)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T15:00:00.000Z", "parentheses that hold no zone are not one"],
  ["resets Sep 15 at 7pm", "2026-11-21T19:30:00Z", "UTC", "2027-09-15T19:00:00.000Z", "date with \"at\", past this year: next year"],
  ["resets Nov 24 at 7pm", "2026-11-21T19:30:00Z", "UTC", "2026-11-24T19:00:00.000Z", "date with \"at\", ahead this year"],
  ["resets Jun 7, 4pm", "2026-11-21T19:30:00Z", "UTC", "2027-06-07T16:00:00.000Z", "date with a comma"],
  ["resets Jun 7, 4pm (Europe/Rome)", "2026-11-21T19:30:00Z", "UTC", "2027-06-07T14:00:00.000Z", "date and zone, in summer time"],
  ["resets Dec 17 at 6am (Europe/Oslo)", "2026-11-21T19:30:00Z", "UTC", "2026-12-17T05:00:00.000Z", "date, \"at\" and zone"],
  ["resets Jan 3, 2027, 2am (UTC)", "2026-11-21T19:30:00Z", "UTC", "2027-01-03T02:00:00.000Z", "date with a year (Claude Code prints one across New Year)"],
  ["resets Nov 24, 7:24pm (UTC)", "2026-11-21T19:30:00Z", "UTC", "2026-11-24T19:24:00.000Z", "date and minutes"],
  ["resets September 15 at 7pm", "2026-11-21T19:30:00Z", "UTC", "2027-09-15T19:00:00.000Z", "month in full"],
  ["resets Sept 15 at 7pm", "2026-11-21T19:30:00Z", "UTC", "2027-09-15T19:00:00.000Z", "\"Sept\""],
  ["resets Dec 1", "2026-11-21T19:30:00Z", "UTC", "2026-12-01T00:00:00.000Z", "a date alone: the start of that day"],
  ["resets Dec 1 (America/New_York)", "2026-11-21T19:30:00Z", "UTC", "2026-12-01T05:00:00.000Z", "a date alone in a zone"],
  ["It resets Dec 1.", "2026-11-21T19:30:00Z", "UTC", "2026-12-01T00:00:00.000Z", "\"It resets <date>.\""],
  ["resets Nov 21, 7:25pm", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T19:25:00.000Z", "a date 5 minutes past: resetting now"],
  ["resets Nov 20, 7pm", "2026-11-21T19:30:00Z", "UTC", "2027-11-20T19:00:00.000Z", "a date past: next year"],
  ["resets Mon 12:00am", "2026-11-21T19:30:00Z", "UTC", "2026-11-23T00:00:00.000Z", "weekday, short"],
  ["resets Tuesday 9am", "2026-11-21T19:30:00Z", "UTC", "2026-11-24T09:00:00.000Z", "weekday in full"],
  ["resets Sat 11pm (UTC)", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T23:00:00.000Z", "today, still ahead"],
  ["resets Sat 7am", "2026-11-21T19:30:00Z", "UTC", "2026-11-28T07:00:00.000Z", "today, already past: next week"],
  ["resets Sunday at 11:30pm (Europe/Oslo)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T22:30:00.000Z", "weekday, \"at\" and zone"],
  ["resets Mon 9am (Asia/Tokyo)", "2026-11-21T19:30:00Z", "UTC", "2026-11-23T00:00:00.000Z", "weekday in a zone where it is already Sunday"],
  ["resets Fri, Nov 27, 9am (UTC)", "2026-11-21T19:30:00Z", "UTC", "2026-11-27T09:00:00.000Z", "a weekday with a date: the date decides"],
  ["resets Thurs 9am", "2026-11-21T19:30:00Z", "UTC", "2026-11-26T09:00:00.000Z", "\"Thurs\""],
  ["resets in 2h 30m", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T22:00:00.000Z", "hours and minutes"],
  ["resets in 45 minutes", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T20:15:00.000Z", "minutes in full"],
  ["resets in 1 hour", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T20:30:00.000Z", "one hour"],
  ["resets in an hour", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T20:30:00.000Z", "\"an hour\""],
  ["resets in 30 seconds", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T19:30:30.000Z", "seconds"],
  ["resets in 2 days", "2026-11-21T19:30:00Z", "UTC", "2026-11-23T19:30:00.000Z", "days"],
  ["resets in 2 hr 30 min", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T22:00:00.000Z", "abbreviated units"],
  ["resets in 1h, 5m", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T20:35:00.000Z", "a comma between parts"],
  ["resets in 3 hours and 20 minutes", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T22:50:00.000Z", "\"and\" between parts"],
  ["try again in 5 minutes", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T19:35:00.000Z", "\"try again in\""],
  ["Please try again in 0 minutes.", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T19:30:00.000Z", "\"try again in 0 minutes\": now"],
  ["try again in a minute", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T19:31:00.000Z", "\"a minute\""],
  ["resets in 2h", "2026-03-08T06:30:00Z", "America/New_York", "2026-03-08T08:30:00.000Z", "relative across a DST change is absolute time"],
  ["resets in 1h", "2026-12-31T23:30:00Z", "UTC", "2027-01-01T00:30:00.000Z", "relative across New Year"],
  ["Claude AI usage limit reached|1795299692", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T22:21:32.000Z", "epoch seconds after a bar"],
  ["Claude AI usage limit reached|1795299692000", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T22:21:32.000Z", "epoch milliseconds after a bar"],
  ["Claude AI usage limit reached|1749924000", "2026-11-21T19:30:00Z", "UTC", "2025-06-14T18:00:00.000Z", "an epoch long past stays what it says"],
  ["Your limit will reset at 3pm (UTC)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T15:00:00.000Z", "\"Your limit will reset at\""],
  ["Claude usage limit reached. Your limit will reset at 1pm (Etc/GMT+5).", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T18:00:00.000Z", "the old sentence with a POSIX zone"],
  ["Usage limit reached · continuing automatically at 10:21pm · esc to cancel", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T22:21:00.000Z", "\"continuing automatically at\""],
  ["Usage limit reached · limit resets 10:21pm", "2026-11-21T19:30:00Z", "Europe/Oslo", "2026-11-21T21:21:00.000Z", "the footer, in the machine zone"],
  ["resets 2026-11-22T03:00:00Z", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T03:00:00.000Z", "an ISO instant"],
  ["resets at 2026-11-22 03:00 +01:00", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T02:00:00.000Z", "an ISO time with an offset"],
  ["resets 2026-11-22T03:00", "2026-11-21T19:30:00Z", "Europe/Oslo", "2026-11-22T02:00:00.000Z", "an ISO time without a zone: the machine zone"],
  ["resets 9 (UTC)", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:00:00.000Z", "bare hour at 19:30: 09:00 is past, 21:00 is the sooner ahead"],
  ["resets 9 (UTC)", "2026-11-21T08:00:00Z", "UTC", "2026-11-21T09:00:00.000Z", "bare hour at 08:00: 09:00 is the sooner"],
  ["resets 9 (UTC)", "2026-11-21T22:00:00Z", "UTC", "2026-11-22T09:00:00.000Z", "bare hour at 22:00: tomorrow 09:00"],
  ["resets 12 (UTC)", "2026-11-21T11:00:00Z", "UTC", "2026-11-21T12:00:00.000Z", "bare 12 before noon: noon"],
  ["resets 12 (UTC)", "2026-11-21T13:00:00Z", "UTC", "2026-11-22T00:00:00.000Z", "bare 12 after noon: midnight"],
  ["resets 18", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T18:00:00.000Z", "bare hour past 12: only 18:00"],
  ["resets 0 (UTC)", "2026-11-21T19:30:00Z", "UTC", "2026-11-22T00:00:00.000Z", "bare 0: midnight"],
  ["resets 9 · /upgrade to keep using Claude Code", "2026-11-21T19:30:00Z", "UTC", "2026-11-21T21:00:00.000Z", "bare hour before a separator"],
  ["resets 2:30am", "2026-03-08T06:30:00Z", "America/New_York", "2026-03-08T07:30:00.000Z", "New York springs forward at 2am: 2:30 does not exist, it is 3:30 EDT"],
  ["resets 3am", "2026-03-08T06:30:00Z", "America/New_York", "2026-03-08T07:00:00.000Z", "the hour after the gap"],
  ["resets 1:45am", "2026-03-08T06:30:00Z", "America/New_York", "2026-03-08T06:45:00.000Z", "the hour before the gap"],
  ["resets 10pm", "2026-03-08T06:30:00Z", "America/New_York", "2026-03-09T02:00:00.000Z", "later that day, in daylight time"],
  ["resets 2:30am (Europe/Oslo)", "2026-03-29T00:30:00Z", "UTC", "2026-03-29T01:30:00.000Z", "Oslo springs forward at 2am: 2:30 is 3:30 CEST"],
  ["resets 3am", "2026-03-29T00:30:00Z", "Europe/Oslo", "2026-03-29T01:00:00.000Z", "3am CEST"],
  ["resets 10pm (Europe/Oslo)", "2026-03-28T22:00:00Z", "UTC", "2026-03-29T20:00:00.000Z", "tomorrow across the change is the same wall time, not 24 hours later"],
  ["resets 2:30am", "2026-10-25T00:15:00Z", "Europe/Oslo", "2026-10-25T00:30:00.000Z", "Oslo falls back at 3am: 2:30 comes twice, the first time is meant"],
  ["resets 2am", "2026-10-25T00:15:00Z", "Europe/Oslo", "2026-10-25T01:00:00.000Z", "at 2:15 CEST, 2am comes again 45 minutes later (CET): not tomorrow"],
  ["resets 3am", "2026-10-25T00:15:00Z", "Europe/Oslo", "2026-10-25T02:00:00.000Z", "after the fall-back: 3am CET"],
  ["resets 1:30am", "2026-11-01T05:10:00Z", "America/New_York", "2026-11-01T05:30:00.000Z", "New York falls back at 2am: the first 1:30 (EDT)"],
  ["resets 1:30am", "2026-11-01T06:20:00Z", "America/New_York", "2026-11-01T06:30:00.000Z", "seen during the repeated hour: the second 1:30 (EST)"],
  ["resets 3am", "2026-11-01T05:10:00Z", "America/New_York", "2026-11-01T08:00:00.000Z", "3am EST"],
  ["resets 2:30am (Australia/Sydney)", "2026-04-04T14:00:00Z", "UTC", "2026-04-04T15:30:00.000Z", "Sydney falls back at 3am: the first 2:30 (AEDT)"],
  ["resets 9am (Australia/Sydney)", "2026-04-04T14:00:00Z", "UTC", "2026-04-04T23:00:00.000Z", "after the change: 9am AEST"],
  ["resets 2:30am (Australia/Sydney)", "2026-10-03T15:00:00Z", "UTC", "2026-10-03T16:30:00.000Z", "Sydney springs forward at 2am: 2:30 is 3:30 AEDT"],
  ["resets 9pm (Europe/London)", "2026-06-15T12:00:00Z", "UTC", "2026-06-15T20:00:00.000Z", "British summer time"],
  ["resets 9pm BST", "2026-06-15T12:00:00Z", "UTC", "2026-06-15T20:00:00.000Z", "BST is UTC+1"],
  ["resets 9pm (Australia/Sydney)", "2026-06-15T12:00:00Z", "UTC", "2026-06-16T11:00:00.000Z", "southern winter: 9pm AEST passed there, tomorrow"],
  ["resets Mon 12:00am", "2026-06-15T12:00:00Z", "UTC", "2026-06-22T00:00:00.000Z", "a Monday: this Monday midnight is past, next Monday"],
  ["resets Mon 11:55am", "2026-06-15T12:00:00Z", "UTC", "2026-06-15T11:55:00.000Z", "a Monday, 5 minutes past: resetting now"],
  ["resets 12:30am (UTC)", "2026-12-31T23:30:00Z", "UTC", "2027-01-01T00:30:00.000Z", "a time after midnight on New Year's Eve"],
  ["resets Jan 1, 2am", "2026-12-31T23:30:00Z", "UTC", "2027-01-01T02:00:00.000Z", "a January date seen in December: next year"],
  ["resets Dec 31, 11pm", "2026-12-31T23:30:00Z", "UTC", "2027-12-31T23:00:00.000Z", "a date past by 30 minutes: next year"],
  ["resets Dec 31, 11:25pm", "2026-12-31T23:30:00Z", "UTC", "2026-12-31T23:25:00.000Z", "a date 5 minutes past: resetting now"],
  ["resets Fri 9am", "2026-12-31T23:30:00Z", "UTC", "2027-01-01T09:00:00.000Z", "the next Friday is New Year's Day"],
  ["resets Jan 1, 9am", "2026-12-31T23:30:00Z", "America/Los_Angeles", "2027-01-01T17:00:00.000Z", "still 2026 in the machine zone"],
  ["resets Dec 31, 11:55pm", "2027-01-01T00:02:00Z", "UTC", "2026-12-31T23:55:00.000Z", "last year's date 7 minutes ago: resetting now"],
  ["resets 9am (Asia/Tokyo)", "2026-12-31T15:30:00Z", "UTC", "2027-01-01T00:00:00.000Z", "already New Year in Tokyo"],
  ["resets Jan 1, 9am (Asia/Tokyo)", "2026-12-31T15:30:00Z", "UTC", "2027-01-01T00:00:00.000Z", "the zone's own year decides"],
  ["resets Feb 29, 1am", "2028-02-28T22:00:00Z", "UTC", "2028-02-29T01:00:00.000Z", "a leap day"],
  ["resets Feb 29, 1am", "2027-03-01T00:00:00Z", "UTC", "2028-02-29T01:00:00.000Z", "a leap day seen in a common year: the next one"],
  ["resets soon", "2026-11-21T19:30:00Z", "UTC", null, "no time"],
  ["resets 13pm", "2026-11-21T19:30:00Z", "UTC", null, "impossible 12-hour time"],
  ["resets 0am", "2026-11-21T19:30:00Z", "UTC", null, "impossible 12-hour time"],
  ["resets 25:00", "2026-11-21T19:30:00Z", "UTC", null, "impossible 24-hour time"],
  ["resets 10:75pm", "2026-11-21T19:30:00Z", "UTC", null, "impossible minutes"],
  ["resets 7:60am", "2026-11-21T19:30:00Z", "UTC", null, "impossible minutes"],
  ["resets 10pm (Mars/Olympus)", "2026-11-21T19:30:00Z", "UTC", null, "an unknown zone: hours off would be worse than unknown"],
  ["resets 10pm (UTC+15)", "2026-11-21T19:30:00Z", "UTC", null, "an offset beyond ±14 hours"],
  ["resets Feb 30 at 1pm", "2026-11-21T19:30:00Z", "UTC", null, "an impossible date"],
  ["resets Feb 29, 1am", "2026-11-21T19:30:00Z", "UTC", null, "no leap day this year or next"],
  ["resets 9 hours", "2026-11-21T19:30:00Z", "UTC", null, "a number of hours is no time of day"],
  ["resets 18 Nov", "2026-11-21T19:30:00Z", "UTC", null, "a day-first date is not a bare hour"],
  ["resets Mon", "2026-11-21T19:30:00Z", "UTC", null, "a weekday without a time"],
  ["resets in a moment", "2026-11-21T19:30:00Z", "UTC", null, "no amount"],
  ["Usage limit reached", "2026-11-21T19:30:00Z", "UTC", null, "no reset at all"],
  ["Stop and wait for limit to reset", "2026-11-21T19:30:00Z", "UTC", null, "no time after \"reset\""],
  ["", "2026-11-21T19:30:00Z", "UTC", null, "empty"],
];

describe('parseResetTime: every form, clock and zone', () => {
  it.each(RESET_CASES)('%s (at %s, machine zone %s) → %s: %s', (text, now, zone, expected) => {
    expect(iso(parseResetTime(text, at(now), zone))).toBe(expected);
  });
});

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

describe('zone labels', () => {
  // [label, an instant, the wall-clock hour a clock in that zone shows then]
  const cases: Array<[string, string, number]> = [
    ['UTC', '2026-11-21T19:30:00Z', 19],
    ['utc', '2026-11-21T19:30:00Z', 19],
    ['GMT', '2026-11-21T19:30:00Z', 19],
    ['Z', '2026-11-21T19:30:00Z', 19],
    ['US/Pacific', '2026-11-21T19:30:00Z', 11],
    ['US/Pacific', '2026-07-01T19:30:00Z', 12],
    ['Asia/Calcutta', '2026-11-21T19:30:00Z', 1],
    ['Etc/GMT+5', '2026-11-21T19:30:00Z', 14],
    ['UTC+2', '2026-11-21T19:30:00Z', 21],
    ['GMT-3', '2026-11-21T19:30:00Z', 16],
    ['UTC+5:30', '2026-11-21T19:00:00Z', 0],
    ['+05:45', '2026-11-21T19:00:00Z', 0],
    ['PDT', '2026-11-21T19:30:00Z', 12],
    ['PT', '2026-07-01T19:30:00Z', 12],
    ['CEST', '2026-11-21T19:30:00Z', 21],
    ['europe/oslo', '2026-11-21T19:30:00Z', 20],
  ];
  it.each(cases)('%s at %s shows hour %s', (label, instant, hour) => {
    const zone = zoneFromLabel(label);
    expect(zone).not.toBeNull();
    expect(wallTimeAt(at(instant), zone as string)?.hour).toBe(hour);
  });

  it.each(['Mars/Olympus', 'IST', 'CST', 'UTC+15', 'UTC+5:75', '', 'in 2 hours'])('%j is no zone this code will guess', (label) => {
    expect(zoneFromLabel(label)).toBeNull();
  });
});

describe('every instant a wall time names', () => {
  it.each([
    ['a repeated hour (Oslo falls back)', { year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, 'Europe/Oslo', ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']],
    ['a skipped hour (Oslo springs forward)', { year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, 'Europe/Oslo', ['2026-03-29T01:30:00.000Z']],
    ['an ordinary hour', { year: 2026, month: 11, day: 21, hour: 22, minute: 21 }, 'UTC', ['2026-11-21T22:21:00.000Z']],
    ['a fixed offset', { year: 2026, month: 11, day: 21, hour: 22, minute: 21 }, '+05:30', ['2026-11-21T16:51:00.000Z']],
    ['an impossible date', { year: 2026, month: 2, day: 30, hour: 1, minute: 0 }, 'UTC', []],
    ['an unknown zone', { year: 2026, month: 2, day: 1, hour: 1, minute: 0 }, 'No/Such_Zone', []],
  ] as const)('%s', (_name, wall, zone, expected) => {
    expect(instantsOfWallTime(wall, zone).map((d) => d.toISOString())).toEqual(expected);
  });
});
