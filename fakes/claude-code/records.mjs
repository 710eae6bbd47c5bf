// The files the fake writes as each release does (shapes from test/fixtures/claude-code/<version>/): transcript
// records, the session registry entry and hook payloads. Three generations of shapes were captured and a profile
// names its own: `a` (2.1.100), `b` (2.1.200), `c` (2.1.328 on). Values are the fake's; keys follow the release.
import { randomBytes, randomUUID } from 'node:crypto';
import { API_ERRORS, ERROR_KINDS } from './common.mjs';

const ZERO_USAGE = (gen) => ({
  ...(gen === 'c' ? { output_tokens_details: null } : {}),
  input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0,
  server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 }, service_tier: null,
  cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 }, inference_geo: null, iterations: null, speed: null,
  ...(gen === 'c' ? { fallback_credit: null } : {}),
});

const REPLY_USAGE = (gen) => ({
  input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 5,
  ...(gen === 'c' ? { output_tokens_details: { thinking_tokens: 0 } } : {}),
  server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 }, service_tier: 'standard',
  cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 }, inference_geo: '', iterations: [], speed: 'standard',
  ...(gen === 'c' ? { fallback_credit: null } : {}),
});

/** A session's transcript record builders: each returns the record's own fields; `stamp` adds the common ones. */
export function transcriptRecords(profile, session) {
  const gen = profile.records;
  const tail = (withSessionField) => ({
    ...(withSessionField && gen === 'c' ? { session_id: session.id } : {}),
    userType: 'external', entrypoint: 'cli', cwd: session.cwd, sessionId: session.id, version: profile.version, gitBranch: 'HEAD',
  });
  return {
    user(text, promptId, promptIndex) {
      return {
        isSidechain: false, promptId, type: 'user', message: { role: 'user', content: text },
        permissionMode: 'bypassPermissions',
        ...(gen !== 'a' ? { origin: { kind: 'human' }, promptSource: 'typed' } : {}),
        ...(gen === 'c' ? { turnOrigin: 'human', turnPosition: { promptIndex, turnIndex: promptIndex } } : {}),
        ...tail(false),
      };
    },
    assistant(text, modelId, requestId) {
      return {
        isSidechain: false,
        message: {
          id: `msg_${randomBytes(8).toString('hex')}`, type: 'message', role: 'assistant', model: modelId, content: [{ type: 'text', text }],
          stop_reason: 'end_turn', stop_sequence: null, usage: REPLY_USAGE(gen), ...(gen !== 'a' ? { stop_details: null } : {}),
        },
        ...(gen === 'c' ? { apiBlockIndex: 0 } : {}),
        requestId,
        ...(gen === 'c' ? { requestRef: randomUUID(), requestedModel: modelId, promptCacheRequested: '1h' } : {}),
        type: 'assistant',
        ...(gen === 'c' ? { effort: profile.effort, perTurnEffort: profile.effort, madeBy: 'model' } : {}),
        ...tail(true),
      };
    },
    /** The synthetic record of a failed turn; `limit` = { resetsAt, rateLimitType } for a usage limit. */
    apiError(kind, text, requestId, limit) {
      const { status, type } = API_ERRORS[kind];
      const info = limit ? { status: 'rejected', resetsAt: limit.resetsAt, rateLimitType: limit.rateLimitType, isUsingOverage: false } : null;
      return {
        isSidechain: false, type: 'assistant',
        message: {
          ...(gen === 'c' ? { diagnostics: null } : {}),
          id: randomUUID(), container: null, model: '<synthetic>', role: 'assistant', ...(gen !== 'a' ? { stop_details: null } : {}),
          stop_reason: 'stop_sequence', stop_sequence: '', type: 'message', usage: ZERO_USAGE(gen), content: [{ type: 'text', text }], context_management: null,
        },
        ...(gen !== 'a' ? { requestId } : {}),
        ...(gen === 'c' && info ? { apiError: 'usage_limit_reached', apiErrorParams: { rate_limit_info: info }, quotaLimits: { status: 'rejected', resetsAt: info.resetsAt, unifiedRateLimitFallbackAvailable: false, rateLimitType: info.rateLimitType, isUsingOverage: false } } : {}),
        error: errorKind(profile, kind), isApiErrorMessage: true,
        ...(gen !== 'a' ? { apiErrorStatus: status } : {}),
        ...(gen === 'c' ? { apiErrorType: type, perTurnEffort: profile.effort, failedResponseHadNoToolCall: true, madeBy: 'model' } : {}),
        ...tail(true),
      };
    },
    /** 2.1.100 writes one record per retry of a server error. */
    retry(kind, attempt, requestId, retryInMs) {
      const { status, type, message } = API_ERRORS[kind];
      return {
        isSidechain: false, type: 'system', subtype: 'api_error', level: 'error',
        error: { status, headers: {}, requestID: requestId, error: { type: 'error', error: { type, message }, request_id: requestId }, type },
        retryInMs, retryAttempt: attempt, maxRetries: 10, ...tail(false),
      };
    },
    stopSummary(commands) {
      return {
        isSidechain: false, type: 'system', subtype: 'stop_hook_summary', hookCount: commands.length,
        hookInfos: commands.map((command) => ({ command, durationMs: 40 })), hookErrors: [],
        ...(gen === 'c' ? { failedHookErrorIndexes: [] } : {}), ...(gen !== 'a' ? { hookAdditionalContext: [] } : {}),
        preventedContinuation: false, stopReason: '', hasOutput: false, level: 'suggestion', toolUseID: randomUUID(), ...tail(true),
      };
    },
    turnDuration(durationMs, messageCount) {
      return { isSidechain: false, type: 'system', subtype: 'turn_duration', durationMs, messageCount, isMeta: false, ...tail(false) };
    },
    informational(content) {
      return { isSidechain: false, type: 'system', subtype: 'informational', content, isMeta: false, level: 'notice', ...tail(false) };
    },
  };
}

/** The `error` kind of a failed turn, in the record and the StopFailure hook (2.1.100 calls server errors unknown). */
export function errorKind(profile, kind) {
  return profile.serverErrorKind && (kind === 'server-error' || kind === 'overloaded') ? profile.serverErrorKind : ERROR_KINDS[kind];
}

/** `sessions/<pid>.json` as the release writes it; null for a release that keeps none. */
export function registryEntry(profile, session, status, tmux) {
  const now = Date.now();
  const base = { pid: process.pid, sessionId: session.id, cwd: session.cwd, startedAt: session.startedAt };
  switch (profile.registry) {
    case 'none':
      return null;
    case 'minimal':
      return { ...base, kind: 'interactive', entrypoint: 'cli' };
    case 'status':
      return { ...base, procStart: String(session.procStart), version: profile.version, peerProtocol: 1, kind: 'interactive', entrypoint: 'cli', name: session.name, nameSource: 'derived', status, updatedAt: now, statusUpdatedAt: now };
    case 'full':
      return {
        ...base, procStart: String(session.procStart), version: profile.version, peerProtocol: 1, peerFeatures: ['notify_idle', 'reply_across_default_dirs', 'artifact_yield'],
        kind: 'interactive', entrypoint: 'cli', pidDomain: `linux:${'0'.repeat(32)}:pid:[4026531836]`, asksForConvertedSkills: null, tmux,
        messagingSocketPath: `/tmp/cc-socks/${process.pid}.sock`, name: session.name, nameSource: 'derived', nameSince: session.startedAt, status,
        // Waiting for the operator to answer a dialog (the weekly-limit menu): the entry says which.
        ...(status === 'waiting' ? { waitingFor: 'dialog open' } : {}),
        updatedAt: now, statusUpdatedAt: now,
      };
    default:
      throw new Error(`unknown registry kind ${profile.registry}`);
  }
}

/** The JSON a Stop or StopFailure hook gets on stdin. */
export function hookPayload(profile, session, event, details) {
  const rich = profile.records !== 'a';
  const common = { session_id: session.id, transcript_path: session.transcriptPath, cwd: session.cwd, ...(rich ? { prompt_id: details.promptId } : {}) };
  if (event === 'Stop') {
    return {
      ...common, permission_mode: 'bypassPermissions', ...(rich ? { effort: { level: profile.effort } } : {}),
      hook_event_name: 'Stop', stop_hook_active: false, last_assistant_message: details.message, ...(rich ? { background_tasks: [], session_crons: [] } : {}),
    };
  }
  return { ...common, ...(rich ? { effort: { level: profile.effort } } : {}), hook_event_name: 'StopFailure', error: errorKind(profile, details.kind), last_assistant_message: details.message };
}
