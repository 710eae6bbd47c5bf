/**
 * Wall-clock time in a time zone ↔ absolute instants, with nothing but `Intl.DateTimeFormat` (no dependency, no
 * reliance on the machine's own zone). Pure.
 *
 * A zone is either a name Intl knows (`Europe/Oslo`, `UTC`, legacy aliases such as `US/Pacific` or
 * `Asia/Calcutta`) or a fixed offset written `+05:30` / `-08:00`, which Intl on Node 20 does not accept and which
 * is computed here by arithmetic.
 */

export interface WallTime {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

const FIXED_OFFSET = /^([+-])(\d{2}):(\d{2})$/;

/** The offset of a fixed-offset zone (`+05:30`) in minutes east of UTC, or null for a named zone. */
function fixedOffsetMinutes(zone: string): number | null {
  // UTC by arithmetic too: Intl's formatToParts is the slow part of every reading, and UTC is the usual server zone.
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const match = FIXED_OFFSET.exec(zone);
  if (!match) return null;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/** A formatter for `zone`, or null when Intl does not know the zone (callers then answer "unknown"). */
function formatterFor(zone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(zone);
  if (cached) return cached;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return null;
  }
  formatters.set(zone, formatter);
  return formatter;
}

/** `+05:30` for an offset in minutes (the form fixed-offset zones are written in). */
export function offsetZone(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const abs = Math.abs(minutesEast);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The zone name Intl accepts for `zone` (case-insensitive, aliases resolved), a valid fixed offset, or null. */
export function canonicalZone(zone: string): string | null {
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== null) return fixed === 0 && !FIXED_OFFSET.test(zone) ? 'UTC' : Math.abs(fixed) <= 14 * 60 && Number(zone.slice(4)) < 60 ? zone : null;
  return formatterFor(zone)?.resolvedOptions().timeZone ?? null;
}

/** What a wall clock in `zone` shows at `instant`. */
export function wallTimeAt(instant: Date, zone: string): (WallTime & { second: number }) | null {
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== null) {
    const shifted = new Date(instant.getTime() + fixed * 60_000);
    return {
      year: shifted.getUTCFullYear(),
      month: shifted.getUTCMonth() + 1,
      day: shifted.getUTCDate(),
      hour: shifted.getUTCHours(),
      minute: shifted.getUTCMinutes(),
      second: shifted.getUTCSeconds(),
    };
  }
  const formatter = formatterFor(zone);
  if (!formatter) return null;
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? NaN,
    month: parts.month ?? NaN,
    day: parts.day ?? NaN,
    hour: parts.hour ?? NaN,
    minute: parts.minute ?? NaN,
    second: parts.second ?? NaN,
  };
}

/** The zone's offset from UTC at `instant`, in ms (east positive). */
function offsetAt(instant: number, zone: string): number | null {
  const wall = wallTimeAt(new Date(instant), zone);
  if (!wall) return null;
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // Intl drops the milliseconds: compare against the instant truncated to the second.
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant at which a clock in `zone` shows `wall`. Disambiguation follows Temporal's "compatible" rule: a wall
 * time repeated by a DST fall-back means its first occurrence; one skipped by a spring-forward gap is pushed forward
 * by the gap (02:30 in a 02:00→03:00 gap is 03:30). Null for an unknown zone or an impossible date (Feb 30).
 */
export function instantOfWallTime(wall: WallTime, zone: string): Date | null {
  return instantsOfWallTime(wall, zone)[0] ?? null;
}

/**
 * Every instant at which a clock in `zone` shows `wall`, earliest first: two for a wall time a DST fall-back
 * repeats, one otherwise (pushed forward by the gap when a spring-forward skips it), none for an unknown zone or an
 * impossible date.
 */
export function instantsOfWallTime(wall: WallTime, zone: string): Date[] {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const check = new Date(naive);
  if (check.getUTCMonth() !== wall.month - 1 || check.getUTCDate() !== wall.day || wall.hour > 23 || wall.minute > 59) {
    return [];
  }
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== null) return [new Date(naive - fixed * 60_000)];
  // Offsets a day either side bracket any transition near this wall time.
  const before = offsetAt(naive - 86_400_000, zone);
  const after = offsetAt(naive + 86_400_000, zone);
  if (before === null || after === null) return [];
  const candidates = [...new Set([before, after])]
    .map((offset) => naive - offset)
    .filter((instant) => offsetAt(instant, zone) === naive - instant)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates.map((instant) => new Date(instant));
  // In a gap: no offset reproduces the wall time; read it with the offset from before the gap (moves it forward).
  return [new Date(naive - before)];
}

/** The calendar date `days` after the given one (month/year rollover handled by Date.UTC). */
export function addDays(date: Pick<WallTime, 'year' | 'month' | 'day'>, days: number): Pick<WallTime, 'year' | 'month' | 'day'> {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday, of a calendar date. */
export function weekdayOf(date: Pick<WallTime, 'year' | 'month' | 'day'>): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/**
 * Abbreviations people and tools print after a time. Those that name standard or summer time are fixed offsets
 * (`PDT` is UTC-7 whatever the date); the generic ones (`PT`) follow the region's rules. Ambiguous ones (`IST`:
 * India, Ireland or Israel; `CST`: US or China) are left out: a guess hours off is worse than "unknown".
 */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  UTC: 'UTC', GMT: 'UTC', Z: 'UTC', UT: 'UTC',
  PST: '-08:00', PDT: '-07:00', MST: '-07:00', MDT: '-06:00', CDT: '-05:00', EST: '-05:00', EDT: '-04:00',
  AKST: '-09:00', AKDT: '-08:00', HST: '-10:00',
  PT: 'America/Los_Angeles', MT: 'America/Denver', CT: 'America/Chicago', ET: 'America/New_York',
  WET: '+00:00', WEST: '+01:00', BST: '+01:00', CET: '+01:00', CEST: '+02:00', EET: '+02:00', EEST: '+03:00',
  MSK: '+03:00', JST: '+09:00', KST: '+09:00', HKT: '+08:00', SGT: '+08:00',
  AEST: '+10:00', AEDT: '+11:00', ACST: '+09:30', ACDT: '+10:30', AWST: '+08:00', NZST: '+12:00', NZDT: '+13:00',
};

const OFFSET_LABEL = /^(?:UTC|GMT|UT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?$/i;

/**
 * A printed zone label to a zone this module computes with: an IANA name or alias (any case), `UTC+2`, `GMT-5`,
 * `UTC+5:30`, `+05:30`, or a known abbreviation. Null for anything else, never a guess.
 */
export function zoneFromLabel(label: string): string | null {
  const text = label.trim();
  if (text === '') return null;
  const abbreviation = ABBREVIATIONS[text.toUpperCase()];
  if (abbreviation !== undefined) return abbreviation;
  const offset = OFFSET_LABEL.exec(text);
  if (offset) {
    const hours = Number(offset[2]);
    const minutes = Number(offset[3] ?? 0);
    if (hours > 14 || minutes > 59) return null;
    const total = (hours * 60 + minutes) * (offset[1] === '-' ? -1 : 1);
    return total === 0 ? 'UTC' : offsetZone(total);
  }
  // Any other abbreviation (`IST`, `CST`) is ambiguous, even where Intl would take it as some legacy zone.
  if (/^[A-Z]{2,5}$/.test(text)) return null;
  return /^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(text) ? canonicalZone(text) : null;
}
