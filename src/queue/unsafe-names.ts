/**
 * scan-inbox's part for task files whose names are not printable text (control characters, bytes that are not
 * UTF-8; see core/task-name.ts): each goes to `failed/` under a printable name, with its raw name and the reason in the
 * footer. They are found again by their raw bytes, because Node's string for such a name does not open the file.
 */

import { lstat, readdir } from 'node:fs/promises';
import { failpoint } from '../base/failpoint.js';
import { moveWithFooter, type InboxListing } from './files.js';
import { errorMessage } from '../base/core/errors.js';
import { describeRawName, printableName, unsafeNameReason } from './core/task-name.js';
import type { Context } from '../context.js';

export interface UnsafeNameOutcome {
  quarantined: Array<{ project: string; task: string; reason: string; movedTo: string | null }>;
  errors: Array<{ project: string; task?: string; message: string }>;
}

export async function quarantineUnsafeNames(listing: InboxListing, dryRun: boolean, ctx: Context, into: UnsafeNameOutcome): Promise<void> {
  let raw: Buffer[];
  try {
    raw = await readdir(listing.inbox, { encoding: 'buffer' });
  } catch (error) {
    into.errors.push({ project: listing.project, message: `cannot list the inbox: ${errorMessage(error)}` });
    return;
  }
  const prefix = Buffer.from(`${listing.inbox}/`);
  for (const name of raw) {
    // The same decoding listInbox used: only the names it set aside (task and marker files) are handled here.
    if (!listing.unsafeNames.includes(name.toString())) continue;
    const path = Buffer.concat([prefix, name]);
    const info = await lstat(path).catch(() => null);
    if (!info || info.isDirectory()) continue;
    const reason = unsafeNameReason(name) ?? 'the task file name is not printable text';
    const shown = describeRawName(name);
    const task = printableName(name.toString());
    let movedTo: string | null = null;
    if (!dryRun) {
      try {
        movedTo = await moveWithFooter(path, listing.project, 'failed', {
          reason: `invalid task: ${reason}`,
          'original name': shown,
          at: ctx.clock.now().toISOString(),
          by: 'claude-failover scan-inbox',
        }, task);
        failpoint('scan-inbox:after-quarantine');
      } catch (error) {
        into.errors.push({ project: listing.project, task, message: `could not quarantine "${shown}": ${errorMessage(error)}` });
        continue;
      }
    }
    ctx.log.warn(`${listing.project}: the task file "${shown}" is invalid (${reason})${movedTo ? ` → ${movedTo}` : ''}`);
    if (movedTo) {
      await ctx.notify({ event: 'task-failed', at: ctx.clock.now().toISOString(), message: `${task} is invalid: ${reason}`, project: listing.project, task, movedTo });
    }
    into.quarantined.push({ project: listing.project, task, reason, movedTo });
  }
}
