import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { FakeSecutools } from '../../src/fakes/secutools-server.js';
import { tempDir, writeFiles } from './temp.js';

/** The key every delegation test uses: distinctive, so finding it anywhere is unambiguous. */
export const TEST_API_KEY = 'stk_live_Q8f3ZtT1pX9vLm2Rk7Wc';

export async function startSecutools(options: { latencyMs?: number; completeAfterMs?: number | null; apiKey?: string } = {}): Promise<FakeSecutools> {
  const server = new FakeSecutools({ apiKey: options.apiKey ?? TEST_API_KEY, latencyMs: options.latencyMs ?? 0, completeAfterMs: options.completeAfterMs ?? null });
  await server.start();
  return server;
}

/** Raw config overrides that point delegation at the fake server, with short timeouts. */
export function delegationConfig(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { enabled: true, base_url: url, request_timeout: '2s', retries: 2, ...extra };
}

export interface TaskSpec {
  title?: string;
  priority?: string;
  allow_delegation?: boolean;
  preferred_ai?: string;
  needs_claude_code?: boolean;
  body?: string;
}

export function taskText(spec: TaskSpec): string {
  const { body = 'Do the thing.', ...fields } = spec;
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${String(v)}`);
  return lines.length === 0 ? body + '\n' : `---\n${lines.join('\n')}\n---\n${body}\n`;
}

export async function writeTask(project: string, name: string, spec: TaskSpec): Promise<string> {
  await writeFiles(project, { [`.agent-queue/inbox/${name}`]: taskText(spec) });
  return join(project, '.agent-queue/inbox', name);
}

/** Every file below `root` (hidden ones and markers included), with its content. */
export async function allFiles(root: string): Promise<Array<{ path: string; text: string }>> {
  const out: Array<{ path: string; text: string }> = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || (await lstat(path)).isFile()) out.push({ path, text: await readFile(path, 'utf8') });
    }
  };
  await walk(root);
  return out;
}

/**
 * Collects everything a test printed or logged and, at the end, asserts that the API key appears in none of it
 * nor in any file under the given roots (state, markers, queue, config). Refuses to pass vacuously.
 */
export class SecretWatch {
  private readonly texts: string[] = [];
  constructor(private readonly key = TEST_API_KEY) {}

  see(...texts: Array<string | undefined>): void {
    for (const t of texts) if (t !== undefined) this.texts.push(t);
  }

  async assertClean(roots: string[]): Promise<void> {
    let files = 0;
    for (const root of roots) {
      for (const file of await allFiles(root)) {
        files++;
        expect(file.text.includes(this.key), `API key found in ${file.path}`).toBe(false);
      }
    }
    for (const text of this.texts) expect(text.includes(this.key), `API key found in output: ${text.slice(0, 200)}`).toBe(false);
    expect(files + this.texts.length).toBeGreaterThan(0);
  }
}

/** What every delegation integration test starts from: a fake platform, a temp HOME with a project, a secret watch. */
export interface DelegationRig {
  readonly server: FakeSecutools;
  readonly home: string;
  /** `<home>/proj`: the one configured project (its queue is created by the tests' first task). */
  readonly project: string;
  /** `<project>/.agent-queue`. */
  readonly queue: string;
  /** `<queue>/inbox`. */
  readonly inbox: string;
  readonly watch: SecretWatch;
}

/**
 * Registers the shared beforeEach/afterEach of the delegation tests and returns the rig, filled in fresh for every
 * test. After each test the server stops and no output seen by the watch, nor any file under HOME, may hold the key.
 */
export function useDelegationRig(): DelegationRig {
  let current: DelegationRig | null = null;
  beforeEach(async () => {
    const server = await startSecutools();
    const home = await tempDir();
    const project = join(home, 'proj');
    const queue = join(project, '.agent-queue');
    current = { server, home, project, queue, inbox: join(queue, 'inbox'), watch: new SecretWatch() };
  });
  afterEach(async () => {
    const rig = current;
    current = null;
    if (!rig) return;
    await rig.server.stop();
    await rig.watch.assertClean([rig.home]);
  });
  // Every property reads the current test's rig, so the object can be taken once at the top of a describe block.
  return new Proxy({} as DelegationRig, {
    get(_, key) {
      if (!current) throw new Error('the delegation rig is used outside a test (it is set up in beforeEach)');
      return current[key as keyof DelegationRig];
    },
  });
}
