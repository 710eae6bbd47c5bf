import { addDays, canonicalZone, instantOfWallTime, wallTimeAt } from '../../base/core/zoned-time.js';

/**
 * Reset times as Claude Code prints them (reference/claude-code/README.md and the captured screens), turned into
 * absolute instants. Pure: the clock and the default zone are arguments.
 *
 * Wordings understood, in the order they are tried:
 * - an epoch after a bar: `Claude AI usage limit reached|1749924000` (seconds; 13 digits are read as ms);
 * - a relative time: `resets in 2h 30m`, `resets in 45 minutes`;
 * - a wall time, optionally with a date and a zone: `resets 3am`, `resets 10:21pm (UTC)`, `resets 18:00`,
 *   `resets Nov 24, 7:24pm (UTC)`, `resets Sep 15 at 7pm`, `resets Dec 17 at 6am (Europe/Oslo)`,
 *   `Your limit will reset at 1pm (Etc/GMT+5)`, `continuing automatically at 10:21pm`.
 */

export interface ResetDetail {
  at: Date;
  /** The zone the wall time was read in (null for epoch and relative forms). */
  zone: string | null;
  /** True when the text named the zone; a printed zone beats the machine's own guess. */
  explicitZone: boolean;
  /** The part of the text that was understood. */
  matched: string;
}

/**
 * A wall time a little in the past means the reset is happening now, not tomorrow: the screen shows minutes only
 * (10:21pm for 22:21:32) and lags behind the clock. Without this slack, a poll at 22:21:10 would read "tomorrow"
 * and mark the account exhausted for a whole day. Anything older than this is taken as the next occurrence.
 */
export const RECENT_PAST_MS = 10 * 60_000;

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

const EPOCH = /\|\s*(?<epoch>\d{13}|\d{10})(?!\d)/;

const UNIT = '(?:days?|d|hours?|hrs?|hr|h|minutes?|mins?|min|m|seconds?|secs?|sec|s)';
const RELATIVE = new RegExp(String.raw`\bresets?\s+in\s+(?<duration>\d+\s*${UNIT}\b(?:[\s,]*(?:and\s+)?\d+\s*${UNIT}\b)*)`, 'i');

const LEAD = String.raw`\b(?:resets?|continuing\s+automatically)(?:\s+(?:at|on))?\s+`;
const MONTH = String.raw`(?<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`;
const DATE = String.raw`(?:${MONTH}\s+(?<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?:at\s+)?)?`;
const TIME = String.raw`(?<hour>\d{1,2})(?::(?<minute>\d{2}))?\s*(?<meridiem>[ap]\.?\s?m\b\.?)?`;
const ZONE = String.raw`(?:\s*\((?<zone>[A-Za-z][A-Za-z0-9_+\-/:]{0,40})\))?`;
const WALL = new RegExp(LEAD + DATE + TIME + ZONE, 'i');

const UNIT_MS: Array<[RegExp, number]> = [
  [/^d/i, 86_400_000],
  [/^h/i, 3_600_000],
  [/^m/i, 60_000],
  [/^s/i, 1000],
];

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
  const epoch = EPOCH.exec(text);
  if (epoch?.groups?.epoch) {
    const digits = epoch.groups.epoch;
    const ms = digits.length === 13 ? Number(digits) : Number(digits) * 1000;
    return { at: new Date(ms), zone: null, explicitZone: false, matched: epoch[0] };
  }

  const relative = RELATIVE.exec(text);
  if (relative?.groups?.duration) {
    const ms = relativeMs(relative.groups.duration);
    return ms === null ? null : { at: new Date(now.getTime() + ms), zone: null, explicitZone: false, matched: relative[0] };
  }

  const wall = WALL.exec(text);
  if (!wall?.groups) return null;
  const { month, day, hour, minute, meridiem, zone: printedZone } = wall.groups;
  // A bare number ("resets 18") is not a time: demand a minute part or am/pm.
  if (minute === undefined && meridiem === undefined) return null;
  const hour24 = toHour24(Number(hour), meridiem);
  if (hour24 === null || Number(minute ?? 0) > 59) return null;
  const zone = resolveZone(printedZone ?? defaultZone);
  if (zone === null) return null;

  const at = month !== undefined
    ? nextDateTime(MONTHS[month.slice(0, 3).toLowerCase()] as number, Number(day), hour24, Number(minute ?? 0), zone, now)
    : nextTimeOfDay(hour24, Number(minute ?? 0), zone, now);
  return at === null ? null : { at, zone, explicitZone: printedZone !== undefined, matched: wall[0].trim() };
}

function relativeMs(duration: string): number | null {
  let total = 0;
  for (const match of duration.matchAll(/(\d+)\s*([a-z]+)/gi)) {
    const size = UNIT_MS.find(([re]) => re.test(match[2] as string))?.[1];
    if (size === undefined) return null;
    total += Number(match[1]) * size;
  }
  return total;
}

function toHour24(hour: number, meridiem: string | undefined): number | null {
  if (meridiem === undefined) return hour <= 23 ? hour : null;
  if (hour < 1 || hour > 12) return null;
  const pm = meridiem.toLowerCase().startsWith('p');
  return (hour % 12) + (pm ? 12 : 0);
}

/**
 * A printed zone to one Intl knows. `UTC+2` / `GMT-5` (whole hours) become `Etc/GMT-2` / `Etc/GMT+5` (POSIX signs
 * are inverted there). Anything Intl rejects is unknown: a reset read in the wrong zone could be hours off, so the
 * caller gets "unknown" instead.
 */
function resolveZone(zone: string): string | null {
  const fixed = /^(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?00)?$/i.exec(zone.trim());
  if (fixed) {
    const hours = Number(fixed[2]);
    if (hours > 14) return null;
    return hours === 0 ? 'UTC' : canonicalZone(`Etc/GMT${fixed[1] === '+' ? '-' : '+'}${hours}`);
  }
  return canonicalZone(zone.trim());
}

/** `hour:minute` today in `zone`, or tomorrow if that is already (more than a moment) past. */
function nextTimeOfDay(hour: number, minute: number, zone: string, now: Date): Date | null {
  const today = wallTimeAt(now, zone);
  if (!today) return null;
  const todayAt = instantOfWallTime({ ...today, hour, minute }, zone);
  if (todayAt === null) return null;
  if (todayAt.getTime() >= now.getTime() - RECENT_PAST_MS) return todayAt;
  return instantOfWallTime({ ...addDays(today, 1), hour, minute }, zone);
}

/** `month day, hour:minute` this year in `zone`, or next year if that date is already past. */
function nextDateTime(month: number, day: number, hour: number, minute: number, zone: string, now: Date): Date | null {
  const current = wallTimeAt(now, zone);
  if (!current) return null;
  const thisYear = instantOfWallTime({ year: current.year, month, day, hour, minute }, zone);
  if (thisYear !== null && thisYear.getTime() >= now.getTime() - RECENT_PAST_MS) return thisYear;
  return instantOfWallTime({ year: current.year + 1, month, day, hour, minute }, zone);
}
