import { defineConfig } from 'vitest/config';

/**
 * The real-client suite: the built CLI against real Claude Code releases (installed by the global setup into a
 * cache outside node_modules) in real tmux, talking to a loopback stand-in for the Anthropic API.
 * `npm run test:real`; `CLAUDE_CODE_RELEASES="2.1.100 latest"` picks the releases.
 */
export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts'],
    globalSetup: ['./test/real/harness/global-setup.ts'],
    // A real Claude Code takes seconds to start and retries server errors for a while: bounded, but generous.
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each scenario file runs every release; two files at a time keep two cores busy without starving tmux.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-tmp/results-real.json' },
  },
});
