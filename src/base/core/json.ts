/** Small shapes shared by every parser of outside JSON (markers, state, journals, platform answers). Pure. */

/** A parse or check that either yields a value or says, in words, why not. */
export type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A plain JSON object: not null, not a list. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` is one of `choices` (a literal table such as PRIORITIES): a type guard instead of an includes + cast. */
export const isOneOf = <T extends string>(choices: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (choices as readonly string[]).includes(value);
