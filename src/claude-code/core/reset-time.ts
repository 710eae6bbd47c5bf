/**
 * Reset times as Claude Code and the API print them, turned into absolute instants. Pure: the clock and the
 * default zone are arguments. The forms (reset-phrase.ts reads the words):
 * - an epoch after a bar: `Claude AI usage limit reached|1749924000` (seconds; 13 digits are read as ms);
 * - a relative time: `resets in 2h 30m`, `try again in 5 minutes`, `try again in 0 minutes` (that is: now);
 * - a time of day, 12- or 24-hour, with or without a zone: `resets 3am`, `resets 10:21pm (UTC)`, `resets 18:00`,
 *   `resets 3pm PDT`, `Your limit will reset at 1pm (Etc/GMT+5)`, `continuing automatically at 10:21pm`;
 * - a bare hour, which is ambiguous: `resets 9 (UTC)` is 09:00 or 21:00, and the sooner one ahead is taken;
 * - a date with or without `at` and a year: `Sep 15 at 7pm`, `Jun 7, 4pm`, `Jan 3, 2027, 2am`, `Dec 1` (its start);
 * - a weekday: `Mon 12:00am`, `Tuesday 9am` (today if still ahead, else that day next week);
 * - an ISO instant: `2026-11-22T03:00:00Z`.
 * A time without a date means its next occurrence (today, else tomorrow), a date without a year its next occurrence
 * (this year, else next year) — except that a time less than RECENT_PAST_MS past means "now": see there.
 */

import { addDays, instantOfWallTime, instantsOfWallTime, wallTimeAt, weekdayOf, zoneFromLabel, type WallTime } from '../../base/core/zoned-time.js';
import { readResetPhrase } from './reset-phrase.js';

export type ResetForm = 'epoch' | 'relative' | 'time' | 'date' | 'weekday';

export interface ResetDetail {
  at: Date;
  /** The zone the wall time was read in (null for epoch and relative forms). */
  zone: string | null;
  /** True when the text named the zone; a printed zone beats the machine's own guess. */
  explicitZone: boolean;
  /** The part of the text that was understood. */
  matched: string;
  form: ResetForm;
  /** A bare hour (`resets 9`): several readings were possible and the sooner one ahead was taken. */
  ambiguous: boolean;
}

/**
 * A wall time a little in the past means the reset is happening now, not tomorrow: the screen shows minutes only
 * (10:21pm for 22:21:32) and lags behind the clock. Without this slack, a poll at 22:21:10 would read "tomorrow"
 * and mark the account exhausted for a whole day. Anything older than this is taken as the next occurrence.
 */
export const RECENT_PAST_MS = 10 * 60_000;

let zoneOfThisMachine: string | undefined;

/**
 * The machine's own zone: what Claude Code prints times in when it prints no zone. Asked once per process:
 * building an Intl formatter for every parsed line cost check-quota about a millisecond per session.
 */
export function machineZone(): string {
  zoneOfThisMachine ??= Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zoneOfThisMachine;
}

/** The absolute reset instant in `text`, or null when it names none that can be trusted. */
export function parseResetTime(text: string, now: Date, defaultZone: string = machineZone()): Date | null {
  return parseResetDetail(text, now, defaultZone)?.at ?? null;
}

export function parseResetDetail(text: string, now: Date, defaultZone: string = machineZone()): ResetDetail | null {
  const phrase = readResetPhrase(text.replace(/[\u00a0\u202f]/g, ' '));
  if (phrase === null) return null;
  const plain = { zone: null, explicitZone: false, matched: phrase.matched.trim(), ambiguous: false };
  if (phrase.form === 'epoch') return { ...plain, at: new Date(phrase.ms), form: 'epoch' };
  if (phrase.form === 'relative') return { ...plain, at: new Date(now.getTime() + phrase.ms), form: 'relative' };

  // A printed zone Intl does not know could put the reset hours off: unknown, never a guess.
  if (phrase.zone === null) return null;
  const zone = phrase.zone ?? zoneFromLabel(defaultZone);
  if (zone === null) return null;
  const today = wallTimeAt(now, zone);
  if (!today) return null;

  const readings = phrase.hours
    .map((hour) => nextOccurrence({ ...phrase, hour }, today, zone, now))
    .filter((at): at is Date => at !== null)
    .sort((a, b) => a.getTime() - b.getTime());
  const at = readings[0];
  if (at === undefined) return null;
  const form: ResetForm = phrase.date ? 'date' : phrase.weekday !== null ? 'weekday' : 'time';
  return { at, zone, explicitZone: phrase.zone !== undefined, matched: plain.matched, form, ambiguous: phrase.hours.length > 1 };
}

interface WallReading {
  date: { month: number; day: number; year: number | null } | null;
  weekday: number | null;
  hour: number;
  minute: number;
}

/**
 * The first of the instants a wall time names that is not stale: a reset that passed less than RECENT_PAST_MS ago
 * is that one ("resetting now"). A wall time a DST fall-back repeats names two instants: `2am` seen at 02:15 the
 * first time round is the second 02:00, 45 minutes ahead, not tomorrow's.
 */
function firstFresh(wall: WallTime, zone: string, now: Date): Date | null {
  return instantsOfWallTime(wall, zone).find((at) => at.getTime() >= now.getTime() - RECENT_PAST_MS) ?? null;
}

/**
 * The next instant the wall reading names, seen from `today` (the wall clock now in `zone`): the first fresh one
 * among the previous, current and next period — yesterday's `11:55pm` seen at 00:02 is resetting now, not tonight.
 */
function nextOccurrence(reading: WallReading, today: WallTime, zone: string, now: Date): Date | null {
  const { date, weekday, hour, minute } = reading;
  if (date?.year != null) return instantOfWallTime({ year: date.year, month: date.month, day: date.day, hour, minute }, zone);
  const period = (offset: number): WallTime => {
    if (date) return { year: today.year + offset, month: date.month, day: date.day, hour, minute };
    const days = weekday === null ? offset : ((weekday - weekdayOf(today) + 7) % 7) + 7 * offset;
    return { ...addDays(today, days), hour, minute };
  };
  const current = firstFresh(period(0), zone, now);
  // The previous period's can be fresh only when the current one is almost a whole period ahead (23 hours at least).
  if (current !== null && current.getTime() - now.getTime() < 23 * 3_600_000 - RECENT_PAST_MS) return current;
  return firstFresh(period(-1), zone, now) ?? current ?? firstFresh(period(1), zone, now);
}
