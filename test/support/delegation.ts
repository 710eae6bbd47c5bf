import { lstat, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FakeSecutools } from '../../src/fakes/secutools-server.js';
import { writeFiles } from './temp.js';
import { testConfigYaml } from './context.js';

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

/** Writes a config file for subprocess runs and returns its path. */
export async function writeConfig(home: string, overrides: Record<string, unknown>): Promise<string> {
  const path = join(home, 'config.yaml');
  await writeFile(path, testConfigYaml(home, overrides));
  return path;
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

/** Polls `check` until it returns true, at most `timeoutMs` (bounded in count and time). */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 5000, stepMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < Math.ceil(timeoutMs / stepMs) + 1; i++) {
    if (await check()) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
