import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createMemoryLog } from '../../src/base/log.js';
import { Redactor } from '../../src/base/redact.js';
import { buildConfig, type Config } from '../../src/base/core/config.js';
import { systemClock, type Clock } from '../../src/base/clock.js';
import { configuredContext, type Context } from '../../src/context.js';

export interface TestContextOptions {
  home: string;
  /** Raw YAML-shaped config (snake_case keys) merged over a small default with one project. */
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

/** The default raw config of tests: two accounts under the temp HOME, state under it too. */
export function testConfigDocument(home: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    accounts: [
      { name: 'main', home: `${home}/.claude-main` },
      { name: 'backup', home: `${home}/.claude-backup` },
    ],
    active_link: `${home}/.claude`,
    shared: { root: `${home}/.claude-shared` },
    state_dir: `${home}/state`,
    resume_dir: `${home}/.claude-context`,
    ...overrides,
  };
}

export function testConfigYaml(home: string, overrides: Record<string, unknown> = {}): string {
  return stringify(testConfigDocument(home, overrides));
}

/** Writes `<home>/config.yaml` for a CLI subprocess test and returns its path. */
export async function writeTestConfig(home: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const path = join(home, 'config.yaml');
  await writeFile(path, testConfigYaml(home, overrides));
  return path;
}

export function buildTestConfig(home: string, overrides: Record<string, unknown> = {}): Config {
  const result = buildConfig(testConfigDocument(home, overrides), home, null);
  if (!result.ok) throw new Error(`test config invalid: ${result.errors.join('; ')}`);
  return result.config;
}

export interface TestContext extends Context {
  logLines: ReturnType<typeof createMemoryLog>['lines'];
  stdout: string[];
  setNow(date: Date): void;
}

/** A real context over temp dirs, with an in-memory log, captured output and a settable clock. */
export function makeTestContext(options: TestContextOptions): TestContext {
  const log = createMemoryLog();
  const stdout: string[] = [];
  let now = options.now ?? new Date('2026-11-21T12:00:00Z');
  const clock: Clock = { ...systemClock, now: () => now };
  const redactor = new Redactor();
  const ctx = configuredContext(
    {
      env: options.env ?? {},
      home: options.home,
      clock,
      log,
      out: { text: (t) => void stdout.push(t), json: (d) => void stdout.push(JSON.stringify(d)) },
      redactor,
      color: false,
    },
    buildTestConfig(options.home, options.config),
  );
  ctx.lockWaitMs = 300;
  return Object.assign(ctx, { logLines: log.lines, stdout, setNow: (date: Date) => void (now = date) });
}
