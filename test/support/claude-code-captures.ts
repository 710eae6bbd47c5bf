/**
 * Comparing what a Claude Code (the fake, or another capture) shows and writes with a capture of a real release
 * (test/fixtures/claude-code/<version>/), times, ids and Claude Code's random words aside: what remains is what the
 * product reads.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const MONTH = /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/g;
/** A spinner line (`✻ Hyperspacing…`): the glyph and the verb change every run. The retry notice is kept. */
const SPINNER = /^(\s*)[·✢✳✶✻✽*](\s+)(?!API error)\S+…/;

/** The mascot drawn left of the banner (block elements); recent releases animate it at start. */
const MASCOT = /^[ \u2580-\u259f]*[\u2580-\u259f][ \u2580-\u259f]*(?=\S)/;

/**
 * A screen with digits, month names, am/pm, spinner and turn-done verbs, the banner's mascot and trailing blanks
 * taken out.
 */
export function sameScreen(text: string): string {
  const lines = text.replace(/\r/g, '').split('\n').map((line) => line
    .replace(/ +$/, '')
    .replace(MASCOT, '')
    .replace(SPINNER, '$1*$2Verb…')
    .replace(/^✻ \S+ for /, '✻ Verb for ')
    .replace(MONTH, 'Mon')
    .replace(/\d+/g, '#')
    .replace(/#(?:am|pm)\b/g, '#xm')
    .replace(/# (?:AM|PM)\b/g, '# XM'));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

const keysOf = (value: Json | undefined): string[] | null => (value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).sort() : null);
const digitsOut = (value: Json | undefined): Json => (typeof value === 'string' ? value.replace(/<(\/?)pasted_content id="[^"]*">/g, '<$1pasted_content id="ID">').replace(/\d+/g, '#').replace(MONTH, 'Mon').replace(/#(?:am|pm)\b/g, '#xm') : value ?? null);

/** A registry entry's fields, its status and the form of its tmux location (values that change every run left out). */
export function registryShape(entry: Json): Json {
  const e = entry as JsonObject;
  return { keys: keysOf(e), status: e.status ?? null, tmux: typeof e.tmux === 'string' ? digitsOut(e.tmux) : e.tmux ?? null };
}

function kindOf(record: JsonObject): string {
  return [record.type, record.subtype, record.isApiErrorMessage === true ? 'api-error' : null].filter(Boolean).join('/');
}

function textOf(record: JsonObject): Json {
  const message = record.message as JsonObject | undefined;
  if (record.type === 'user') return digitsOut(message?.content);
  if (record.type === 'assistant') return digitsOut(((message?.content as JsonObject[] | undefined)?.[0] ?? {}).text);
  if (record.subtype === 'informational') return digitsOut(record.content);
  return null;
}

/** The kinds of records written and, per kind, the fields and the values the product reads. */
export function recordKinds(records: readonly Json[]): Json[] {
  const byKind = new Map<string, Json>();
  for (const raw of records) {
    const r = raw as JsonObject;
    const message = r.message as JsonObject | undefined;
    const info = ((r.apiErrorParams as JsonObject | undefined)?.rate_limit_info ?? null) as JsonObject | null;
    const shape: Json = {
      kind: kindOf(r), keys: keysOf(r), messageKeys: keysOf(message), usageKeys: keysOf(message?.usage),
      error: typeof r.error === 'string' ? r.error : keysOf(r.error), apiErrorStatus: r.apiErrorStatus ?? null, apiErrorType: r.apiErrorType ?? null,
      apiError: r.apiError ?? null, rateLimitType: info?.rateLimitType ?? null, model: message?.model === '<synthetic>' ? '<synthetic>' : null, text: textOf(r),
    };
    byKind.set(kindOf(r), shape);
  }
  return [...byKind.keys()].sort().map((kind) => byKind.get(kind) as Json);
}

/** Hook payloads in order: the event, the fields, the error kind, the effort and the last message. */
export function hookShapes(payloads: readonly Json[]): Json[] {
  return payloads.map((raw) => {
    const p = raw as JsonObject;
    return { event: p.hook_event_name ?? null, keys: keysOf(p), error: p.error ?? null, effort: p.effort ?? null, message: digitsOut(p.last_assistant_message) };
  });
}
