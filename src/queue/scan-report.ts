import type { Priority } from '../base/core/config.js';
import type { FellBackTask, SubmittedTask } from '../delegation/submission.js';
import type { Provider } from './core/routing.js';

/** What one scan-inbox run reports: its JSON result, shared with the delegated half of the scan. */

export interface PendingTask {
  project: string;
  task: string;
  path: string;
  title: string | null;
  priority: Priority;
  provider: Provider;
  reason: string;
  delegated: boolean;
}

export interface QuarantinedTask {
  project: string;
  task: string;
  reason: string;
  /** Where it went; null in a dry run. */
  movedTo: string | null;
}

export interface InFlightTask {
  project: string;
  task: string;
  state: 'delegating' | 'delegated_to_secutools' | 'dispatched';
}

export interface ScanResult {
  dryRun: boolean;
  projects: Array<{ project: string; inbox: string; exists: boolean }>;
  pending: PendingTask[];
  quarantined: QuarantinedTask[];
  inFlight: InFlightTask[];
  /** `.md.dispatched` files the state does not know (left by older tooling): reported, never touched. */
  unknownDispatched: Array<{ project: string; task: string }>;
  errors: Array<{ project: string; task?: string; message: string }>;
  /** Delegated tasks submitted to secutools in this run (also listed in inFlight). */
  submitted: SubmittedTask[];
  /** Delegated tasks whose submission failed for good: they run locally (also listed in pending). */
  fellBack: FellBackTask[];
}
