import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real Claude Code suite has its own config (vitest.real.config.ts, `npm run test:real`).
    exclude: [...configDefaults.exclude, 'test/real/**'],
    // Integration tests drive real tmux servers and subprocesses: generous but bounded.
    testTimeout: 60_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The figures reporter prints the reliability figures (test/support/figures.ts) after the run.
    reporters: ['default', 'json', './test/support/figures-reporter.ts'],
    outputFile: { json: '.vitest-tmp/results.json' },
  },
});
