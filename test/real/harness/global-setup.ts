import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installRelease, requestedReleases, resolveReleases, type Release } from './releases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    claudeCodeReleases: Release[];
  }
}

/** Where `.ci/run` reads the line the run prints. */
export const RELEASES_LINE_FILE = join('.vitest-tmp', 'real-releases.txt');

/**
 * The real-client suite's global setup: resolves the release matrix (`latest` asked of the registry now) and installs
 * every release before any test starts, so downloads never count against a test's timeout. A release that cannot
 * be installed fails the whole run with its name: never a silent skip.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const versions = await resolveReleases(requestedReleases());
  const releases: Release[] = [];
  for (const version of versions) releases.push(await installRelease(version, undefined, (line) => console.log(line)));
  project.provide('claudeCodeReleases', releases);
  const line = `real Claude Code releases tested: ${versions.join(' ')}`;
  await mkdir('.vitest-tmp', { recursive: true });
  await writeFile(RELEASES_LINE_FILE, `${line}\n`);
  return async () => {
    console.log(line);
  };
}
