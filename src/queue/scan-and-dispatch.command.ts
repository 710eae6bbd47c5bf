/**
 * `dispatch --scan`: what the systemd path units run when a file lands in an inbox. A path unit's event is lost
 * while its service is already running, so one pass is not enough: scan-inbox then dispatch, again, until no new
 * task file arrived during a pass (bounded; the timer remains the safety net).
 */

import { listInbox } from './files.js';
import { projectDirs } from '../base/core/config.js';
import type { Style } from '../base/core/format.js';
import type { Context } from '../context.js';
import * as dispatch from '../sessions/dispatch.command.js';
import * as scanInbox from './scan-inbox.command.js';
import type { ScanResult } from './scan-report.js';

export const MAX_PASSES = 5;

export interface QueuePassResult {
  passes: Array<{ scan: ScanResult; dispatch: dispatch.DispatchResult }>;
  /** True when the last pass still saw new files arrive: the timer (or the next inbox event) continues. */
  stoppedAtLimit: boolean;
}

/** Every task file name in every inbox: what "a new task arrived" is measured against. */
async function inboxFiles(ctx: Context): Promise<Set<string>> {
  const names = new Set<string>();
  for (const project of projectDirs(ctx.config)) {
    const listing = await listInbox(project).catch(() => null);
    for (const task of listing?.tasks ?? []) if (task.hasFile) names.add(task.path);
  }
  return names;
}

/** The two steps of a pass; tests wrap them to drop a task in the middle of a pass. */
export interface PassSteps {
  scan: typeof scanInbox.run;
  dispatch: typeof dispatch.run;
}

const realSteps: PassSteps = { scan: scanInbox.run, dispatch: dispatch.run };

export async function run(_options: { dryRun: boolean }, ctx: Context, steps: PassSteps = realSteps): Promise<QueuePassResult> {
  const result: QueuePassResult = { passes: [], stoppedAtLimit: false };
  let before = await inboxFiles(ctx);
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const scan = await steps.scan({ dryRun: false }, ctx);
    const launched = await steps.dispatch({ dryRun: false }, ctx);
    result.passes.push({ scan, dispatch: launched });
    // What this pass ends with is what the next one starts from: one listing per pass.
    const after = await inboxFiles(ctx);
    const arrived = [...after].filter((path) => !before.has(path));
    if (arrived.length === 0) return result;
    before = after;
    ctx.log.info(`${arrived.length} new task file(s) arrived during pass ${pass}; scanning again`);
  }
  result.stoppedAtLimit = true;
  return result;
}

export function render(result: QueuePassResult, style: Style): string {
  return result.passes
    .map((pass, index) => {
      const body = `${scanInbox.render(pass.scan, style)}\n\n${dispatch.render(pass.dispatch, style)}`;
      return result.passes.length === 1 ? body : `${style.bold(`pass ${index + 1}`)}\n${body}`;
    })
    .join('\n\n');
}

export const exitCode = (result: QueuePassResult) =>
  result.passes.some((p) => scanInbox.exitCode(p.scan) !== 0 || dispatch.exitCode(p.dispatch) !== 0) ? 1 : 0;
