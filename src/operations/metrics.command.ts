import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { activeAccount } from '../accounts/active-account.js';
import { ExitCode, FailoverError, errnoCode } from '../base/core/errors.js';
import type { Style } from '../base/core/format.js';
import { sweepTempFiles, writeFileAtomic } from '../base/fs-atomic.js';
import { processAlive } from '../base/process.js';
import type { Context } from '../context.js';
import { accountsHealth } from './account-health.js';
import { renderExposition, type MetricFamily } from './core/exposition.js';
import { fleetMetrics, sampleCount } from './core/metrics.js';
import { readLastRuns } from './last-run.js';
import { gatherQueues } from './queue-facts.js';

export interface MetricsOptions {
  /** Write the Prometheus text format here (atomically) instead of printing OpenMetrics on stdout. */
  textfile?: string | undefined;
}

export interface MetricsResult {
  generatedAt: string;
  /** Where the text was written; null when it went to stdout. */
  textfile: string | null;
  /** How many samples the families hold. */
  samples: number;
  families: MetricFamily[];
  /** What could not be read (an inbox, …): its metrics are missing, the others are exposed. */
  warnings: string[];
}

/**
 * `metrics [--textfile PATH]`: the fleet's state as OpenMetrics text. Read-only and without tmux or the lock: state,
 * queue files, last-run records and the credentials' expiry fields, so a 15-second scrape costs a few listings.
 */
export async function run(options: MetricsOptions, ctx: Context): Promise<MetricsResult> {
  const warnings: string[] = [];
  const state = await ctx.state.load();
  const now = ctx.clock.now();
  const active = await activeAccount(ctx.config, state.activeAccount);
  const [accounts, queueFacts, lastRuns] = await Promise.all([
    accountsHealth(ctx.config, state, active.name, now),
    gatherQueues(ctx, warnings, { jobs: false }),
    readLastRuns(ctx.paths.stateDir),
  ]);
  for (const warning of warnings) ctx.log.warn(warning);
  const families = fleetMetrics({ config: ctx.config, state, accounts, queues: queueFacts.queues, lastRuns });
  const result: MetricsResult = { generatedAt: now.toISOString(), textfile: null, samples: sampleCount(families), families, warnings };
  if (options.textfile) {
    await writeTextfile(options.textfile, renderExposition(families, 'prometheus'));
    result.textfile = options.textfile;
  }
  return result;
}

/**
 * node_exporter may read the file at any instant: temp file in the same folder + rename, so it sees the previous
 * complete file or the new one. The temp name starts with a dot and does not end in `.prom`, which the collector
 * skips. Readable by all (0644): node_exporter runs as another user.
 */
async function writeTextfile(path: string, text: string): Promise<void> {
  const folder = dirname(path);
  const info = await stat(folder).catch((error: unknown) => {
    if (errnoCode(error) === 'ENOENT') return null;
    throw error;
  });
  if (!info?.isDirectory()) {
    throw new FailoverError(ExitCode.failed, 'metrics-textfile', `cannot write ${path}: the folder ${folder} does not exist`, {
      hint: "create it, or point metrics.textfile at node_exporter's --collector.textfile.directory",
    });
  }
  if (!basename(path).endsWith('.prom')) {
    throw new FailoverError(ExitCode.usage, 'metrics-textfile', `${path}: node_exporter's textfile collector reads only files ending in .prom`);
  }
  try {
    await writeFileAtomic(path, text, 0o644);
  } catch (error) {
    throw new FailoverError(ExitCode.failed, 'metrics-textfile', `cannot write ${path}: ${errnoCode(error) ?? String(error)}`, {
      hint: `the user running claude-failover needs write access to ${folder}`,
    });
  }
  await sweepTempFiles(path, processAlive);
}

export function render(result: MetricsResult, _style: Style): string {
  if (result.textfile) return `wrote ${result.samples} samples of ${result.families.length} metrics to ${result.textfile}`;
  return renderExposition(result.families, 'openmetrics');
}
