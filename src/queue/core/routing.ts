/**
 * The routing decision, kept exactly from the system we replace; first match wins, no network.
 * `preferredAi` is expected trimmed and lower-cased (the task parser does that; `normalizePreferredAi` for flags).
 */

import type { Config, Priority } from '../../base/core/config.js';
import type { TaskFields } from './task.js';
import { printable } from '../../base/core/format.js';

export const DELEGATED_PROVIDERS = ['auto', 'gpu', 'gemini', 'claude-api'] as const;
export type DelegatedProvider = (typeof DELEGATED_PROVIDERS)[number];
export type Provider = 'claude-code' | DelegatedProvider;

export interface RouteDecision {
  provider: Provider;
  reason: string;
  /** True when the provider is a secutools backend. */
  delegated: boolean;
}

type RoutingInput = Pick<TaskFields, 'needsClaudeCode' | 'preferredAi' | 'allowDelegation'>;

const local = (reason: string): RouteDecision => ({ provider: 'claude-code', reason, delegated: false });

export function decide(input: RoutingInput): RouteDecision {
  const preferred = input.preferredAi ?? '';
  if (input.needsClaudeCode) return local('needs_claude_code=true');
  if (preferred === 'claude-code') return local('preferred_ai=claude-code');
  if (!input.allowDelegation) return local('allow_delegation is not true (default: run locally)');
  if (preferred === 'gpu' || preferred === 'gemini' || preferred === 'claude-api') {
    return { provider: preferred, reason: `preferred_ai=${preferred}, allow_delegation=true`, delegated: true };
  }
  if (preferred === '' || preferred === 'auto') {
    return { provider: 'auto', reason: `preferred_ai=${preferred || '(empty)'}, allow_delegation=true → platform triage`, delegated: true };
  }
  return local(`unknown preferred_ai=${printable(preferred)} → fail-safe`);
}

export function normalizePreferredAi(value: string | null | undefined): string | null {
  const normalized = (value ?? '').trim().toLowerCase();
  return normalized === '' ? null : normalized;
}

/** The model for a local run: critical → the critical model (opus), anything else → the default (sonnet). */
export function modelFor(priority: Priority, models: Config['dispatch']['models']): string {
  return priority === 'critical' ? models.critical : models.default;
}

/** The text sent to Claude Code: `[<task file name>] <body>`, a blank line, then the configured suffix. */
export function taskMessage(taskFileName: string, body: string, suffix: string): string {
  const message = `[${taskFileName}] ${body.trim()}`;
  return suffix.trim() === '' ? message : `${message}\n\n${suffix.trim()}`;
}
