/**
 * The words of a reset time, read without the clock: what a limit line says after `resets`, `reset at`,
 * `continuing automatically at`, `try again in` …, as a structured phrase that reset-time.ts turns into an instant.
 * Pure. Each phrase is read with anchored (sticky) patterns over a bounded slice of the text, so the cost is linear
 * in the length of the line whatever it holds.
 */

import { zoneFromLabel } from '../../base/core/zoned-time.js';
export type ResetPhrase =
  | { form: 'epoch'; ms: number; matched: string }
  | { form: 'relative'; ms: number; matched: string }
  | {
      form: 'wall';
      /** `Sep 15`, `Jun 7, 2027`: a calendar date (year optional). */
      date: { month: number; day: number; year: number | null } | null;
      /** `Mon`, `Tuesday`: 0 = Sunday … 6 = Saturday. */
      weekday: number | null;
      /** Hour readings, in the order given: one for `3pm` / `18:00`, two for a bare `9` (09:00 or 21:00). */
      hours: number[];
      minute: number;
      /** The printed zone resolved; undefined when none was printed; null when it was printed but is unknown. */
      zone: string | null | undefined;
      matched: string;
    };

/** Words after which Claude Code (and the API) print a reset: `resets 3pm`, `will reset at`, `try again in 5 minutes`. */
const LEAD = /\b(?:resets?|resetting|continuing\s+automatically|continues\s+automatically|try\s+again|available\s+again)(?:\s+(?:at|on|after))?\s+/gi;
/** `Claude AI usage limit reached|1749924000`: epoch seconds (or ms) after a bar. */
const EPOCH = /\|\s*(\d{13}|\d{10})(?!\d)/;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const UNIT_MS: ReadonlyArray<[RegExp, number]> = [
  [/^d/i, 86_400_000],
  [/^h/i, 3_600_000],
  [/^m/i, 60_000],
  [/^s/i, 1000],
];
const UNIT = String.raw`(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)`;
const AMOUNT = String.raw`(?:\d+|\ban?\b)`;
const RELATIVE = new RegExp(String.raw`in\s+(${AMOUNT}\s*${UNIT}\b(?:(?:\s*,\s*|\s+and\s+|\s*)${AMOUNT}\s*${UNIT}\b){0,3})`, 'iy');
const ISO = /(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?/y;
const WEEKDAY = /(sun|mon|tue|wed|thu|fri|sat)(?:day|sday|nesday|rsday|urday|s|rs)?\.?,?\s+(?:at\s+)?/iy;
const DATE = /(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?(?:,?\s+(?:at\s+)?|(?=\s*(?:\(|$|[·∙•|;.)])))/iy;
const TIME = /(?:(noon|midnight)|(\d{1,2})(?::(\d{2}))?(?::\d{2})?(?:\s*([ap])\.?\s?m\b\.?)?)/iy;
/** What may follow a bare hour (`resets 9 (UTC)`, `resets 9 · …`): a zone, a separator, the end. Not `9 hours`. */
const AFTER_BARE_HOUR = /\s*(?:\(|$|[·∙•|,;)]|\.(?:\s|$))/y;
const PAREN_ZONE = /\s*\(([^()]{1,40})\)/y;
const ZONE_SHAPE = /^(?:[A-Za-z][\w+\-/:]*|(?:UTC|GMT)?\s*[+-]\s*\d{1,2}(?::?\d{2})?)$/;
const WORD_ZONE = /\s+([A-Za-z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?)(?![\w/])/y;

/** The first reset phrase in `text`, or null when it names none. */
export function readResetPhrase(text: string): ResetPhrase | null {
  const epoch = EPOCH.exec(text);
  if (epoch) {
    const digits = epoch[1] as string;
    return { form: 'epoch', ms: digits.length === 13 ? Number(digits) : Number(digits) * 1000, matched: epoch[0] };
  }
  LEAD.lastIndex = 0;
  for (let lead = LEAD.exec(text), tries = 0; lead !== null && tries < 8; lead = LEAD.exec(text), tries++) {
    const start = lead.index + lead[0].length;
    const phrase = phraseAt(text, start);
    if (phrase) return { ...phrase, matched: text.slice(lead.index, start) + phrase.matched };
  }
  return null;
}

function phraseAt(text: string, at: number): ResetPhrase | null {
  RELATIVE.lastIndex = at;
  const relative = RELATIVE.exec(text);
  if (relative) {
    const ms = durationMs(relative[1] as string);
    return ms === null ? null : { form: 'relative', ms, matched: relative[0] };
  }
  ISO.lastIndex = at;
  const iso = ISO.exec(text);
  if (iso) return isoPhrase(iso);
  return wallPhrase(text, at);
}

function durationMs(duration: string): number | null {
  let total = 0;
  for (const match of duration.matchAll(/(\d+|\ban?\b)\s*([a-z]+)/gi)) {
    const size = UNIT_MS.find(([re]) => re.test(match[2] as string))?.[1];
    if (size === undefined) return null;
    const amount = /^\d/.test(match[1] as string) ? Number(match[1]) : 1;
    total += amount * size;
  }
  return total;
}

function isoPhrase(iso: RegExpExecArray): ResetPhrase {
  const [, year, month, day, hour, minute, offset] = iso;
  const zone = offset === undefined ? undefined : zoneFromLabel(offset === 'Z' ? 'UTC' : offset.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2'));
  return {
    form: 'wall',
    date: { year: Number(year), month: Number(month), day: Number(day) },
    weekday: null,
    hours: [Number(hour ?? 0)],
    minute: Number(minute ?? 0),
    zone,
    matched: iso[0],
  };
}

function wallPhrase(text: string, start: number): ResetPhrase | null {
  let at = start;
  let weekday: number | null = null;
  let date: { month: number; day: number; year: number | null } | null = null;
  WEEKDAY.lastIndex = at;
  const day = WEEKDAY.exec(text);
  if (day) {
    weekday = WEEKDAYS.indexOf((day[1] as string).toLowerCase());
    at = WEEKDAY.lastIndex;
  }
  DATE.lastIndex = at;
  const dated = DATE.exec(text);
  if (dated) {
    date = { month: MONTHS.indexOf((dated[1] as string).toLowerCase()) + 1, day: Number(dated[2]), year: dated[3] ? Number(dated[3]) : null };
    at = DATE.lastIndex;
  }
  const time = timeAt(text, at);
  if (time) at = time.end;
  // A weekday needs a time (`Mon 12:00am`); a date alone (`resets Dec 1`) means the start of that day.
  if (!time && (date === null || weekday !== null)) return null;
  const zone = zoneAt(text, at);
  if (zone) at = zone.end;
  return {
    form: 'wall',
    date,
    weekday: date === null ? weekday : null,
    hours: time?.hours ?? [0],
    minute: time?.minute ?? 0,
    zone: zone?.zone,
    matched: text.slice(start, at),
  };
}

function timeAt(text: string, at: number): { hours: number[]; minute: number; end: number } | null {
  TIME.lastIndex = at;
  const time = TIME.exec(text);
  if (!time || time[0] === '') return null;
  const end = TIME.lastIndex;
  if (time[1] !== undefined) return { hours: [time[1].toLowerCase() === 'noon' ? 12 : 0], minute: 0, end };
  const hour = Number(time[2]);
  const minute = Number(time[3] ?? 0);
  const meridiem = time[4]?.toLowerCase();
  if (minute > 59) return null;
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return null;
    return { hours: [(hour % 12) + (meridiem === 'p' ? 12 : 0)], minute, end };
  }
  if (hour > 23) return null;
  if (time[3] !== undefined) return { hours: [hour], minute, end };
  // A bare hour: only where nothing else can follow it (not `9 hours`, not `18 Nov`); 1-12 could be am or pm.
  AFTER_BARE_HOUR.lastIndex = end;
  if (!AFTER_BARE_HOUR.test(text)) return null;
  return { hours: hour >= 1 && hour <= 12 ? [hour % 12, (hour % 12) + 12] : [hour], minute: 0, end };
}

/** The zone printed after a time: `(Europe/Oslo)`, `(UTC+2)`, ` UTC`, ` PDT`; null zone = printed but unknown. */
function zoneAt(text: string, at: number): { zone: string | null; end: number } | null {
  PAREN_ZONE.lastIndex = at;
  const paren = PAREN_ZONE.exec(text);
  if (paren) {
    const label = (paren[1] as string).trim();
    // `(in 2 hours)` is no zone at all: read the time without one. `(Mars/Olympus)` is an unknown zone: null.
    if (!ZONE_SHAPE.test(label)) return null;
    return { zone: zoneFromLabel(label), end: PAREN_ZONE.lastIndex };
  }
  WORD_ZONE.lastIndex = at;
  const word = WORD_ZONE.exec(text);
  if (!word) return null;
  // A bare word counts only when it is a zone (`3pm UTC`); `3pm today` is just text.
  const zone = /^[A-Z]/.test(word[1] as string) ? zoneFromLabel(word[1] as string) : null;
  return zone === null ? null : { zone, end: WORD_ZONE.lastIndex };
}
