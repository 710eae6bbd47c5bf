import { homedir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from './base/clock.js';
import { loadConfig } from './base/config-file.js';
import { withLock, type LockHandle } from './base/lock.js';
import { createLog, isUnderSystemd, wantsColor, type Log } from './base/log.js';
import { createNotify, type Notify } from './base/notify.js';
import { createOutput, type Output } from './base/output.js';
import { Redactor } from './base/redact.js';
import { createStateStore, type StateStore } from './base/state-store.js';
import type { SecutoolsClient } from './delegation/secutools-client.js';
import { createTmux, type Tmux } from './sessions/tmux.js';
import { delegationStatus, type Config, type DelegationStatus } from './base/core/config.js';

/** The ports every command gets without a config (ccl-delegate decide needs no more). */
export interface BaseContext {
  env: NodeJS.ProcessEnv;
  home: string;
  clock: Clock;
  log: Log;
  out: Output;
  redactor: Redactor;
  /** Colour for human output on stdout. */
  color: boolean;
}

export interface Paths {
  stateDir: string;
  signalsDir: string;
  resumeDir: string;
}

/** Everything a configured command receives. Tests build one with temp dirs and fakes (test/support/context.ts). */
export interface Context extends BaseContext {
  config: Config;
  paths: Paths;
  state: StateStore;
  /** Runs `work` under the state lock; contention → exit 75 after `waitMs` (default: lockWaitMs). */
  withLock<T>(command: string, work: (lock: LockHandle) => Promise<T>, options?: { waitMs?: number }): Promise<T>;
  /** Delegation is active only when enabled and the key variable is set; the key is registered for redaction. */
  delegation(): DelegationStatus;
  /** The tmux server of the pool (config `tmux.socket`). */
  tmux: Tmux;
  /**
   * The secutools client, made on first use (loaded lazily: commands that never delegate do not pay for
   * the HTTP stack at start-up); a usage error (exit 2) naming the variable when delegation is not active.
   */
  secutools(): Promise<SecutoolsClient>;
  /** Tells the operator's notify.command about an event; never throws. */
  notify: Notify;
  /** How long a busy lock is waited for before exit 75. */
  lockWaitMs: number;
}

export interface GlobalOptions {
  config?: string | undefined;
  json?: boolean | undefined;
  verbose?: boolean | undefined;
}

export interface ProcessIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(chunk: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

const processIo = (): ProcessIo => ({ env: process.env, stdout: process.stdout, stderr: process.stderr });

export function createBaseContext(options: GlobalOptions, io: ProcessIo = processIo()): BaseContext {
  const redactor = new Redactor();
  const env = io.env;
  return {
    env,
    home: env.HOME || homedir(),
    clock: systemClock,
    redactor,
    color: !options.json && wantsColor(io.stdout, env),
    log: createLog({
      verbose: Boolean(options.verbose),
      journald: isUnderSystemd(env),
      color: wantsColor(io.stderr, env) && !isUnderSystemd(env),
      write: (text) => void io.stderr.write(text),
      redactor,
    }),
    out: createOutput((text) => void io.stdout.write(text), redactor, Boolean(io.stdout.isTTY)),
  };
}

export function pathsFor(config: Config): Paths {
  return { stateDir: config.stateDir, signalsDir: join(config.stateDir, 'signals'), resumeDir: config.resumeDir };
}

export function configuredContext(base: BaseContext, config: Config): Context {
  const paths = pathsFor(config);
  let secutoolsClient: Promise<SecutoolsClient> | undefined;
  const ctx: Context = {
    ...base,
    config,
    paths,
    lockWaitMs: 5000,
    notify: createNotify(config.notify.command, base.log),
    state: createStateStore(paths.stateDir, base.log, () => base.clock.now()),
    tmux: createTmux({ socket: config.tmux.socket, env: base.env, scrubEnv: [config.delegation.apiKeyEnv] }),
    withLock: (command, work, options) => withLock({ stateDir: paths.stateDir, command, log: base.log, waitMs: options?.waitMs ?? ctx.lockWaitMs, clock: base.clock }, work),
    secutools() {
      secutoolsClient ??= import('./delegation/secutools-client.js').then((m) => m.secutoolsFromConfig(config, ctx.delegation(), base.log, base.clock));
      return secutoolsClient;
    },
    delegation() {
      const status = delegationStatus(config, base.env);
      if (status.active) base.redactor.add(status.apiKey);
      return status;
    },
  };
  return ctx;
}

/** Loads the config (`--config`, else `$CLAUDE_FAILOVER_CONFIG`, else the XDG path) and builds the full context on top of `base`. */
export async function withConfig(base: BaseContext, explicitConfig?: string): Promise<Context> {
  const config = await loadConfig({ explicit: explicitConfig, env: base.env, home: base.home });
  // Register the key before anything can print, so even a stray interpolation is masked.
  base.redactor.add(base.env[config.delegation.apiKeyEnv]);
  return configuredContext(base, config);
}
