import { readSettingsFile } from '../claude-code/settings-file.js';
import { hookPresence, TOOL_HOOK_EVENTS, type HookPresence, type ToolHookEvent } from '../claude-code/core/settings-hooks.js';
import { toolHookEvent } from './core/hook-command.js';
import { toolHookCommands } from './hooks.command.js';
import type { Context } from '../context.js';

/** One doctor line (the shape of doctor's checks). */
export interface HookCheck {
  name: string;
  level: 'ok' | 'warning';
  detail: string;
  fix: string | null;
}

const FIX = 'claude-failover hook install';

/**
 * doctor's hooks check: every account home's settings.json should run the tool's Stop and StopFailure hooks, with
 * the command line `hook install` would write now (this bin, this config). Without them completion rests on weaker
 * evidence and a usage limit waits for the next check-quota tick. Missing homes are the homes check's business.
 */
export async function checkHooks(ctx: Context, bin: string | undefined): Promise<HookCheck[]> {
  const wanted = bin && ctx.config.file ? toolHookCommands(ctx, bin) : null;
  const problems: HookCheck[] = [];
  for (const account of ctx.config.accounts) {
    const read = await readSettingsFile(account.home);
    if (read.kind === 'missing-home') continue;
    if (read.kind === 'unreadable') {
      problems.push({ name: 'hooks', level: 'warning', detail: `account ${account.name}: ${read.path}: ${read.message}`, fix: `repair ${read.path} by hand, then: ${FIX}` });
      continue;
    }
    const presence = hookPresence(read.text, wanted, toolHookEvent);
    if (!presence.ok) {
      problems.push({ name: 'hooks', level: 'warning', detail: `account ${account.name}: ${read.path}: ${presence.reason}`, fix: `repair ${read.path} by hand, then: ${FIX}` });
      continue;
    }
    const missing = events(presence.value, 'missing');
    const other = events(presence.value, 'other');
    if (missing.length > 0) {
      problems.push({
        name: 'hooks',
        level: 'warning',
        detail: `account ${account.name}: ${read.path} lacks the tool's ${missing.join(' and ')} hook${missing.length > 1 ? 's' : ''} (failed turns and usage limits wait for the timers)`,
        fix: FIX,
      });
    } else if (other.length > 0) {
      problems.push({ name: 'hooks', level: 'warning', detail: `account ${account.name}: the ${other.join(' and ')} hook in ${read.path} runs another bin or config than this one`, fix: FIX });
    }
  }
  return problems.length > 0 ? problems : [{ name: 'hooks', level: 'ok', detail: "every account home runs the tool's Stop and StopFailure hooks", fix: null }];
}

const events = (presence: Record<ToolHookEvent, HookPresence>, wanted: HookPresence) => TOOL_HOOK_EVENTS.filter((event) => presence[event] === wanted);
