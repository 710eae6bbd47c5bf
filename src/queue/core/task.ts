import { isOneOf } from '../../base/core/json.js';
import { parseDocument } from 'yaml';
import { PRIORITIES, type Priority } from '../../base/core/config.js';
import { parseSimpleFrontmatter } from './frontmatter-fast.js';
import { describeValue } from '../../base/core/format.js';

/** Tasks larger than this are refused: a task is a prompt, not a data dump, and we read it whole. */
export const MAX_TASK_BYTES = 1024 * 1024;

export const COMPLEXITY_HINTS = ['low', 'medium', 'high'] as const;
export type ComplexityHint = (typeof COMPLEXITY_HINTS)[number];

/** The frontmatter fields routing reads, already type-checked. */
export interface TaskFields {
  title: string | null;
  priority: Priority;
  tags: string[];
  needsClaudeCode: boolean;
  /** As written, trimmed and lower-cased; null when absent or empty. Unknown values are routing's business. */
  preferredAi: string | null;
  allowDelegation: boolean;
  complexityHint: ComplexityHint | null;
}

export interface ParsedTask {
  fields: TaskFields;
  /** Everything after the frontmatter, with line endings normalised to `\n`. */
  body: string;
}

export type TaskParse = { ok: true; task: ParsedTask } | { ok: false; reason: string };

export const DEFAULT_FIELDS: TaskFields = {
  title: null,
  priority: 'default',
  tags: [],
  needsClaudeCode: false,
  preferredAi: null,
  allowDelegation: false,
  complexityHint: null,
};

const invalid = (reason: string): TaskParse => ({ ok: false, reason });

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes task bytes, refusing binary content (NUL bytes or invalid UTF-8) with a reason. */
export function decodeTaskBytes(bytes: Uint8Array): { ok: true; text: string } | { ok: false; reason: string } {
  if (bytes.length > MAX_TASK_BYTES) {
    return { ok: false, reason: `task file is ${bytes.length} bytes, over the ${MAX_TASK_BYTES}-byte limit` };
  }
  if (bytes.includes(0)) return { ok: false, reason: 'task file has binary content (NUL bytes); expected UTF-8 markdown' };
  try {
    return { ok: true, text: UTF8.decode(bytes) };
  } catch {
    return { ok: false, reason: 'task file is not valid UTF-8; expected UTF-8 markdown' };
  }
}

/**
 * Splits `---` fenced YAML frontmatter from the body and type-checks it. A file without frontmatter is a valid task
 * with default fields (the behaviour before routing existed). BOM and CRLF are tolerated.
 */
export function parseTask(text: string): TaskParse {
  // Guarded: most tasks have neither, and scan-inbox parses thousands (a regex pass over every body costs a third).
  const unmarked = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const normalized = unmarked.includes('\r') ? unmarked.replace(/\r\n?/g, '\n') : unmarked;
  if (!/^---[ \t]*(\n|$)/.test(normalized)) {
    return { ok: true, task: { fields: { ...DEFAULT_FIELDS }, body: normalized } };
  }
  const afterOpen = normalized.indexOf('\n') === -1 ? normalized.length : normalized.indexOf('\n') + 1;
  const close = /^(---|\.\.\.)[ \t]*$/m;
  const rest = normalized.slice(afterOpen);
  const match = close.exec(rest);
  if (!match) return invalid('frontmatter starts with --- on line 1 but has no closing --- line');
  const yamlText = rest.slice(0, match.index);
  const bodyStart = match.index + match[0].length;
  const body = rest.slice(bodyStart).replace(/^\n/, '');

  const fields = parseFrontmatter(yamlText);
  if (!fields.ok) return fields;
  return { ok: true, task: { fields: fields.fields, body } };
}

function parseFrontmatter(yamlText: string): { ok: true; fields: TaskFields } | { ok: false; reason: string } {
  if (yamlText.trim() === '') return { ok: true, fields: { ...DEFAULT_FIELDS } };
  const simple = parseSimpleFrontmatter(yamlText);
  if (simple !== undefined) return checkFields(simple);
  // Task files come from anywhere: a handful of aliases is plenty, and it stops "billion laughs" expansion.
  const document = parseDocument(yamlText, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    return { ok: false, reason: `frontmatter is not valid YAML: ${firstLine(document.errors[0]?.message)}` };
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 20 });
  } catch (error) {
    return { ok: false, reason: `frontmatter is not usable YAML: ${firstLine(error instanceof Error ? error.message : String(error))}` };
  }
  if (data === null || data === undefined) return { ok: true, fields: { ...DEFAULT_FIELDS } };
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, reason: 'frontmatter must be a mapping of fields (key: value), not a list or a scalar' };
  }
  return checkFields(data as Record<string, unknown>);
}

function checkFields(raw: Record<string, unknown>): { ok: true; fields: TaskFields } | { ok: false; reason: string } {
  const problems: string[] = [];
  const fields: TaskFields = { ...DEFAULT_FIELDS };
  const present = (key: string) => raw[key] !== undefined && raw[key] !== null;

  if (present('title')) {
    if (typeof raw.title === 'string' || typeof raw.title === 'number') fields.title = String(raw.title).trim() || null;
    else problems.push(`title: expected text, got ${describeValue(raw.title)}`);
  }
  if (present('priority')) {
    const value = typeof raw.priority === 'string' ? raw.priority.trim().toLowerCase() : undefined;
    if (isOneOf(PRIORITIES, value)) fields.priority = value;
    else problems.push(`priority: expected one of ${PRIORITIES.join(', ')}, got ${describeValue(raw.priority)}`);
  }
  if (present('tags')) {
    if (typeof raw.tags === 'string') fields.tags = raw.tags.split(',').map((t) => t.trim()).filter(Boolean);
    else if (Array.isArray(raw.tags) && raw.tags.every((t) => typeof t === 'string' || typeof t === 'number')) {
      fields.tags = raw.tags.map((t) => String(t).trim()).filter(Boolean);
    } else if (Array.isArray(raw.tags)) {
      const bad = raw.tags.findIndex((t) => typeof t !== 'string' && typeof t !== 'number');
      problems.push(`tags: expected a list of words, got a list whose item ${bad + 1} is ${describeValue(raw.tags[bad])}`);
    } else problems.push(`tags: expected a list of words, got ${describeValue(raw.tags)}`);
  }
  for (const [key, target] of [['needs_claude_code', 'needsClaudeCode'], ['allow_delegation', 'allowDelegation']] as const) {
    if (!present(key)) continue;
    if (typeof raw[key] === 'boolean') fields[target] = raw[key];
    else problems.push(`${key}: expected true or false, got ${describeValue(raw[key])}`);
  }
  if (present('preferred_ai')) {
    if (typeof raw.preferred_ai === 'string') fields.preferredAi = raw.preferred_ai.trim().toLowerCase() || null;
    else problems.push(`preferred_ai: expected text (auto, claude-code, gpu, gemini, claude-api), got ${describeValue(raw.preferred_ai)}`);
  }
  if (present('complexity_hint')) {
    const value = typeof raw.complexity_hint === 'string' ? raw.complexity_hint.trim().toLowerCase() : undefined;
    if (isOneOf(COMPLEXITY_HINTS, value)) fields.complexityHint = value;
    else problems.push(`complexity_hint: expected one of ${COMPLEXITY_HINTS.join(', ')}, got ${describeValue(raw.complexity_hint)}`);
  }
  if (problems.length > 0) return { ok: false, reason: `frontmatter ${problems.join('; ')}` };
  return { ok: true, fields };
}

function firstLine(message: string | undefined): string {
  // The parser recurses per nesting level: thousands of `[` run it out of stack, which says little to an operator.
  if (message?.includes('Maximum call stack size exceeded')) return 'nested too deeply to read';
  return (message ?? 'unknown error').split('\n')[0] as string;
}
