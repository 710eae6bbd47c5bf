import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback stand-in for the Anthropic API, enough for a real Claude Code to run a conversation against it
 * (`ANTHROPIC_BASE_URL=http://127.0.0.1:<port>`): `POST /v1/messages` answers streamed (SSE) or whole, every other
 * path gets a harmless answer and is recorded, so a test can see what each release asks for. What a request gets is
 * its account's mode: accounts are told apart by the Bearer token of `Authorization` (each seeded home has its own).
 */
export type StandInMode =
  | { kind: 'ok'; reply?: string }
  /** Answers after `delayMs` (a turn that stays busy for a while). */
  | { kind: 'slow'; delayMs: number; reply?: string }
  /** The subscription's 5-hour limit: 429 with the unified rate-limit headers, claim five_hour. */
  | { kind: 'five-hour-limit'; resetsAt: number }
  /** The weekly limit: the same with claim seven_day. */
  | { kind: 'weekly-limit'; resetsAt: number }
  /** An API key's own rate limit: a plain 429 rate_limit_error with retry-after, no unified headers. */
  | { kind: 'api-key-limit' }
  | { kind: 'invalid-request' }
  /** 401: the OAuth token has expired. */
  | { kind: 'expired-login' }
  /** 403: the OAuth token was revoked. */
  | { kind: 'revoked-login' }
  | { kind: 'server-error' }
  | { kind: 'overloaded' };

export type StandInModeKind = StandInMode['kind'];

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  /** The account whose token came with the request; 'unknown' for a token no account has, null for none. */
  account: string | null;
  /** The status answered. */
  status: number;
  /**
   * For /v1/messages: the newest user message's own text (its last text part that is not a `<system-reminder>` Claude
   * Code adds), with the `<pasted_content>` wrapper recent releases put around a paste taken off; null otherwise.
   */
  userText: string | null;
  /** The text came wrapped as a paste (`<pasted_content id=…>`). */
  pasteWrapped: boolean;
  /** For /v1/messages: the own text of every user message sent, oldest first: the conversation so far. */
  history: string[];
  /** For /v1/messages: the conversation it belongs to, from `metadata.user_id` (Claude Code puts its session id there). */
  sessionId: string | null;
  /** For /v1/messages: whether a stream was asked for. */
  stream: boolean | null;
  /** For /v1/messages: true when it looks like the turn itself (it carries tools), not a side request (titles...). */
  turn: boolean | null;
}

/** A reset on a whole minute, `hours` ahead: what Claude Code prints (minutes) and what the API sent (seconds) agree. */
export function resetIn(hours: number): number {
  return Math.ceil(Date.now() / 60_000) * 60 + hours * 3600;
}

/** The reply text when a mode names none. */
export const DEFAULT_REPLY = 'Done.';

export class AnthropicStandIn {
  readonly requests: RecordedRequest[] = [];
  private readonly tokens = new Map<string, string>();
  private readonly modes = new Map<string, StandInMode>();
  private defaultMode: StandInMode = { kind: 'ok' };
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Tells the stand-in which account a Bearer token belongs to. */
  addAccount(name: string, token: string): void {
    this.tokens.set(token, name);
  }

  /** Switches one account's mode (or every account's, without a name), effective from the next request. */
  setMode(mode: StandInMode, account?: string): void {
    if (account === undefined) {
      this.defaultMode = mode;
      this.modes.clear();
    } else {
      this.modes.set(account, mode);
    }
  }

  modeOf(account: string | null): StandInMode {
    return (account !== null ? this.modes.get(account) : undefined) ?? this.defaultMode;
  }

  /** The turns (tool-carrying /v1/messages requests) that arrived, optionally of one account only. */
  turns(account?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.turn === true && (account === undefined || r.account === account));
  }

  private accountOf(req: IncomingMessage): string | null {
    const auth = req.headers.authorization;
    const apiKey = req.headers['x-api-key'];
    const token = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '') : typeof apiKey === 'string' ? apiKey : null;
    if (token === null) return null;
    return this.tokens.get(token) ?? 'unknown';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const account = this.accountOf(req);
    const record: RecordedRequest = { at: Date.now(), method: req.method ?? 'GET', path, account, status: 200, userText: null, pasteWrapped: false, history: [], sessionId: null, stream: null, turn: null };
    this.requests.push(record);
    if (req.method === 'POST' && /^\/v1\/messages\/?$/.test(path)) {
      const parsed = parseJson(body);
      const messages = Array.isArray(parsed?.messages) ? (parsed.messages as Array<Record<string, unknown>>) : [];
      record.history = messages.filter((m) => m?.role === 'user').map(ownText).filter((t): t is string => t !== null).map(unwrapPastes);
      // Recent releases put a `system` message after the newest user message.
      const text = ownText(messages.findLast((m) => m?.role === 'user'));
      record.userText = text === null ? null : unwrapPastes(text);
      record.pasteWrapped = text !== null && record.userText !== text;
      record.sessionId = sessionOf(parsed);
      record.stream = parsed?.stream === true;
      record.turn = Array.isArray(parsed?.tools) && parsed.tools.length > 0;
      await this.answerMessages(res, record, parsed, this.modeOf(account));
      return;
    }
    if (req.method === 'POST' && /^\/v1\/messages\/count_tokens\/?$/.test(path)) {
      return sendJson(res, record, 200, { input_tokens: 42 });
    }
    // Everything else (profile, settings, metrics...): an empty success, so a release that asks gets on with it.
    sendJson(res, record, 200, {});
  }

  private async answerMessages(res: ServerResponse, record: RecordedRequest, request: Record<string, unknown> | null, mode: StandInMode): Promise<void> {
    const model = typeof request?.model === 'string' ? request.model : 'claude-sonnet-4-5';
    switch (mode.kind) {
      case 'ok':
        return sendMessage(res, record, model, mode.reply ?? DEFAULT_REPLY);
      case 'slow':
        await delay(mode.delayMs, res);
        if (res.destroyed) return;
        return sendMessage(res, record, model, mode.reply ?? DEFAULT_REPLY);
      case 'five-hour-limit':
      case 'weekly-limit':
        return sendError(res, record, 429, 'rate_limit_error', 'Rate limited', {
          'anthropic-ratelimit-unified-status': 'rejected',
          'anthropic-ratelimit-unified-reset': String(mode.resetsAt),
          'anthropic-ratelimit-unified-representative-claim': mode.kind === 'five-hour-limit' ? 'five_hour' : 'seven_day',
          'anthropic-ratelimit-unified-fallback': 'unavailable',
        });
      case 'api-key-limit':
        return sendError(res, record, 429, 'rate_limit_error', "This request would exceed your account's rate limit. Please try again later.", { 'retry-after': '30' });
      case 'invalid-request':
        return sendError(res, record, 400, 'invalid_request_error', 'messages.0.content: the request is not valid (stand-in)');
      case 'expired-login':
        return sendError(res, record, 401, 'authentication_error', 'OAuth token has expired. Please obtain a new token or refresh your existing token.');
      case 'revoked-login':
        return sendError(res, record, 403, 'permission_error', 'OAuth token has been revoked. Please obtain a new token.');
      case 'server-error':
        return sendError(res, record, 500, 'api_error', 'Internal server error');
      case 'overloaded':
        return sendError(res, record, 529, 'overloaded_error', 'Overloaded');
      default: {
        const never: never = mode;
        throw new Error(`unknown stand-in mode ${JSON.stringify(never)}`);
      }
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A user message's own text: Claude Code sends content as a string or as parts, and puts context of its own
 * (`<system-reminder>` parts) before what was typed.
 */
function ownText(message: Record<string, unknown> | undefined): string | null {
  const content = message?.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content
    .filter((p): p is { type: 'text'; text: string } => typeof p === 'object' && p !== null && (p as { type?: unknown }).type === 'text' && typeof (p as { text?: unknown }).text === 'string')
    .map((p) => p.text)
    .filter((text) => !text.startsWith('<system-reminder>'));
  return texts.at(-1) ?? null;
}

const PASTED = /\n*<pasted_content id="([^"]*)">\n([\s\S]*?)\n<\/pasted_content id="\1">\n?/g;

function unwrapPastes(text: string): string {
  return text.replace(PASTED, (_all, _id, body: string) => body);
}

/** `metadata.user_id` is a JSON string with `session_id` (recent releases) or `…_session_<uuid>` (older ones). */
function sessionOf(request: Record<string, unknown> | null): string | null {
  const userId = (request?.metadata as { user_id?: unknown } | undefined)?.user_id;
  if (typeof userId !== 'string') return null;
  try {
    const parsed = JSON.parse(userId) as { session_id?: unknown };
    if (typeof parsed.session_id === 'string') return parsed.session_id.toLowerCase();
  } catch {
    // Not JSON: the older underscore form.
  }
  return /session_([0-9a-f-]{36})/i.exec(userId)?.[1]?.toLowerCase() ?? null;
}

function delay(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    // A client that gave up (Claude Code interrupted, or killed) ends the wait.
    res.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Request ids count up, so what a release prints of one is the same from run to run. */
let requests = 0;
const requestId = () => `req_standin_${String(++requests).padStart(16, '0')}`;

function sendJson(res: ServerResponse, record: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
  record.status = status;
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId(), ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, record: RecordedRequest, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, record, status, { type: 'error', error: { type, message }, request_id: requestId() }, { 'x-should-retry': status >= 500 ? 'true' : 'false', ...headers });
}

/** A reset an hour and a half ahead: well inside a 5-hour window, and under the unified headers an "allowed" answer sends. */
const allowedHeaders = (): Record<string, string> => ({
  'anthropic-ratelimit-unified-status': 'allowed',
  'anthropic-ratelimit-unified-reset': String(Math.floor(Date.now() / 1000) + 5400),
  'anthropic-ratelimit-unified-representative-claim': 'five_hour',
});

function sendMessage(res: ServerResponse, record: RecordedRequest, model: string, text: string): void {
  const id = `msg_standin_${randomBytes(8).toString('hex')}`;
  const usage = { input_tokens: 12, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  record.status = 200;
  if (record.stream !== true) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': requestId(), ...allowedHeaders() });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { ...usage, output_tokens: 5 } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': requestId(), ...allowedHeaders() });
  const event = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage } });
  event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  event('ping', {});
  // Two deltas, so a client that only keeps the last one would show a cut reply.
  const cut = Math.ceil(text.length / 2);
  for (const part of [text.slice(0, cut), text.slice(cut)].filter(Boolean)) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: part } });
  event('content_block_stop', { index: 0 });
  event('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } });
  event('message_stop', {});
  res.end();
}
