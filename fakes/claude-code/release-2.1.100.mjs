// Claude Code 2.1.100 as captured in test/fixtures/claude-code/2.1.100/: the inline layout (the input box follows
// the conversation), results as `⎿` lines under the message with the API's raw JSON error, no turn-done line on a
// short turn, a minimal registry entry (no status, no tmux), records of the oldest shape, server errors reported
// as `unknown`, and one `api_error` record per retry.
import { CONTINUED, RESULT, bullet } from './common.mjs';
import { spread } from './screen.mjs';

const MODELS = { sonnet: ['Sonnet 4.6', 'claude-sonnet-4-6'], opus: ['Opus 4.6', 'claude-opus-4-6'], haiku: ['Haiku 4.5', 'claude-haiku-4-5'] };
const model = (name) => MODELS[name] ?? [name, name];
const json = (type, message, requestId) => `{"type":"error","error":{"type":"${type}","message":"${message}"},"request_id":"${requestId}"}`;
/** The request id split where 2.1.100 wraps it on a 120-column pane. */
const idTail = (requestId) => requestId.slice('req_standin'.length);

export default {
  version: '2.1.100',
  layout: 'inline',
  bannerGap: 1,
  records: 'a',
  wrapsPastes: false,
  registry: 'minimal',
  effort: 'medium',
  serverErrorKind: 'unknown',
  modelId: (name) => model(name)[1],
  banner: ({ model: name, cwd }) => [' ▐▛███▜▌   Claude Code v2.1.100', `▝▜█████▛▘  ${model(name)[0]} · Claude Max`, `  ▘▘ ▝▝    ${cwd}`],
  footer: (busy, cols) => [spread(`  ⏵⏵ bypass permissions on (shift+tab to cycle)${busy ? ' · esc to interrupt' : ''}`, '◐ medium · /effort', cols)],
  aboveBox: () => [],
  spinner: (glyph) => `${glyph} Recombobulating…`,
  /** While retrying, the error and the countdown sit under the message and the spinner goes on. */
  retrying: ({ kind, attempt, requestId, waitS }) => ({
    status: null,
    userLines: [
      ...(kind === 'server-error'
        ? [`${RESULT}500 {"type":"error","error":{"type":"api_error","message":"Internal server`, `${CONTINUED}error"},"request_id":"${requestId}"}`]
        : [`${RESULT}529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"${requestId.slice(0, 22)}`, `${CONTINUED}${requestId.slice(22)}"}`]),
      `${CONTINUED}Retrying in ${waitS} seconds… (attempt ${attempt}/10)`,
    ],
  }),
  outcome(kind, { reply, reset, requestId, cols }) {
    const lines = (userLines, text) => ({ userLines, blocks: [], text });
    switch (kind) {
      case 'ok': return { userLines: [], blocks: [bullet(reply, cols)], text: reply };
      case 'five-hour-limit': return lines([`${RESULT}You've hit your session limit · resets ${reset.short} (UTC)`, `${CONTINUED}/extra-usage to finish what you’re working on.`], `You've hit your session limit · resets ${reset.short} (UTC)`);
      case 'weekly-limit': return lines([`${RESULT}You've hit your weekly limit · resets ${reset.dated} (UTC)`, `${CONTINUED}/extra-usage to finish what you’re working on.`], `You've hit your weekly limit · resets ${reset.dated} (UTC)`);
      case 'expired-login': return lines([
        `${RESULT}Please run /login · API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"OAuth token`,
        `${CONTINUED}has expired. Please obtain a new token or refresh your existing`,
        `${CONTINUED}token."},"request_id":"${requestId}"}`,
      ], `Please run /login · API Error: 401 ${json('authentication_error', 'OAuth token has expired. Please obtain a new token or refresh your existing token.', requestId)}`);
      case 'revoked-login': return lines([`${RESULT}OAuth token revoked · Please run /login`], 'OAuth token revoked · Please run /login');
      case 'invalid-request': return lines([
        `${RESULT}API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.0.content: the request`,
        `${CONTINUED}is not valid (stand-in)"},"request_id":"${requestId}"}`,
      ], `API Error: 400 ${json('invalid_request_error', 'messages.0.content: the request is not valid (stand-in)', requestId)}`);
      case 'server-error': return lines([
        `${RESULT}API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server`,
        `${CONTINUED}error"},"request_id":"${requestId}"}`,
      ], `API Error: 500 ${json('api_error', 'Internal server error', requestId)}`);
      case 'overloaded': return lines([
        `${RESULT}API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_standin`,
        `${CONTINUED}${idTail(requestId)}"}`,
      ], `API Error: 529 ${json('overloaded_error', 'Overloaded', requestId)}`);
      default: throw new Error(`unknown outcome ${kind}`);
    }
  },
  /** Only a long turn gets a turn-done line in this release. */
  turnDone: ({ ms, seconds }) => (ms >= 60_000 ? `✻ Worked for ${seconds}` : null),
};
