/**
 * Wall-clock time in a named time zone ↔ absolute instants, with nothing but `Intl.DateTimeFormat` (no dependency,
 * no reliance on the machine's own zone). Pure.
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

/** The zone name Intl accepts for `zone` (case-insensitive, aliases resolved), or null if unknown. */
export function canonicalZone(zone: string): string | null {
  return formatterFor(zone)?.resolvedOptions().timeZone ?? null;
}

/** What a wall clock in `zone` shows at `instant`. */
export function wallTimeAt(instant: Date, zone: string): (WallTime & { second: number }) | null {
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
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const check = new Date(naive);
  if (check.getUTCMonth() !== wall.month - 1 || check.getUTCDate() !== wall.day || wall.hour > 23 || wall.minute > 59) {
    return null;
  }
  // Offsets a day either side bracket any transition near this wall time.
  const before = offsetAt(naive - 86_400_000, zone);
  const after = offsetAt(naive + 86_400_000, zone);
  if (before === null || after === null) return null;
  const candidates = [...new Set([before, after])]
    .map((offset) => naive - offset)
    .filter((instant) => offsetAt(instant, zone) === naive - instant)
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return new Date(first);
  // In a gap: no offset reproduces the wall time; read it with the offset from before the gap (moves it forward).
  return new Date(naive - before);
}

/** The calendar date `days` after the given one (month/year rollover handled by Date.UTC). */
export function addDays(date: Pick<WallTime, 'year' | 'month' | 'day'>, days: number): Pick<WallTime, 'year' | 'month' | 'day'> {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}
