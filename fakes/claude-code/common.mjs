// Pieces several release profiles share: texts Claude Code prints for each outcome, word wrapping as the captures
// show it, and the outcome kinds (named like the stand-in's modes in test/real/harness/anthropic-stand-in.ts).
import { spread, width } from './screen.mjs';

/** Outcome kinds a turn can end in; the control file's `mode` names one. */
export const OUTCOMES = ['ok', 'five-hour-limit', 'weekly-limit', 'invalid-request', 'expired-login', 'revoked-login', 'server-error', 'overloaded'];
/** Outcomes Claude Code retries by itself before giving up. */
export const RETRIED = new Set(['server-error', 'overloaded']);
export const LIMITS = new Set(['five-hour-limit', 'weekly-limit']);

/** The `error` field of an API-error record and of the StopFailure hook, per outcome (2.1.200 on). */
export const ERROR_KINDS = {
  'five-hour-limit': 'rate_limit',
  'weekly-limit': 'rate_limit',
  'invalid-request': 'unknown',
  'expired-login': 'authentication_failed',
  'revoked-login': 'authentication_failed',
  'server-error': 'server_error',
  overloaded: 'server_error',
};

/** HTTP status and API error type the stand-in answers with, per outcome. */
export const API_ERRORS = {
  'five-hour-limit': { status: 429, type: 'rate_limit_error' },
  'weekly-limit': { status: 429, type: 'rate_limit_error' },
  'invalid-request': { status: 400, type: 'invalid_request_error', message: 'messages.0.content: the request is not valid (stand-in)' },
  'expired-login': { status: 401, type: 'authentication_error', message: 'OAuth token has expired. Please obtain a new token or refresh your existing token.' },
  'revoked-login': { status: 403, type: 'permission_error', message: 'OAuth token has been revoked. Please obtain a new token.' },
  'server-error': { status: 500, type: 'api_error', message: 'Internal server error' },
  overloaded: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
};

/** The `⎿` lead of a result line: two spaces, the glyph, a space and a no-break space. */
export const RESULT = '  ⎿ \u00a0';
export const CONTINUED = '     ';

/** Greedy word wrap at `max` columns, continuation lines indented by `indent`. */
export function wrap(text, max, indent = '  ') {
  const lines = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (line !== '' && width(candidate) > max) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  lines.push(line);
  return lines;
}

/** A `● …` reply or error message as 2.1.200 on draw it (wrapped 8 columns short of the edge). */
export const bullet = (text, cols) => wrap(`● ${text}`, cols - 8);

/** What the API-error message says from 2.1.200 on (also the record's text and the hook's last message). */
export function errorText(kind, gateway) {
  const serverSide = `This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (${gateway}).`;
  switch (kind) {
    case 'invalid-request': return `API Error: 400 ${API_ERRORS[kind].message}`;
    case 'expired-login': return `Please run /login · API Error: 401 ${API_ERRORS[kind].message}`;
    case 'revoked-login': return 'OAuth token revoked · Please run /login';
    case 'server-error': return `API Error: 500 Internal server error. ${serverSide}`;
    case 'overloaded': return `API Error: 529 Overloaded. ${serverSide}`;
    default: throw new Error(`not an API error outcome: ${kind}`);
  }
}

/** The right-aligned effort indicator, `● high · /effort` or `◐ medium · /effort`. */
export const effortLine = (left, text, cols) => spread(left, text, cols);

/** Where the API is, as an error screen names it (`check your inference gateway (<host:port>)`). */
export function gatewayOf(env) {
  try {
    return env.ANTHROPIC_BASE_URL ? new URL(env.ANTHROPIC_BASE_URL).host : 'api.anthropic.com';
  } catch {
    return 'api.anthropic.com';
  }
}
