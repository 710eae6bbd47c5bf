// Bundles each command-line entry point into one CommonJS file that bin/run-bundle.js loads with a V8 code cache.
//
// Why, measured on this VM (node 20, `status --json`, median of 9): Node 20 has no module compile cache, and
// loading our dependencies as ~150 ES modules took ~110 ms against 50 ms for `node -e 0`. One CommonJS file (every
// module not needed at start-up is initialised lazily on first use, so a command pays only for what it runs)
// plus V8's code cache for it brings that to ~75 ms. tsc still type-checks everything and emits dist/src for the
// demo, the bench and test fixtures.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });
for (const name of ['claude-failover', 'ccl-delegate']) {
  await build({
    entryPoints: [`src/cli/${name}.ts`],
    outfile: `dist/bundle/${name}.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
}

// The demo ships in the package as one ES module (top-level await, import.meta.url), with everything it imports
// inside: the installed package then needs no dependency at run time. CommonJS modules inside an ES bundle call
// require() for Node's built-ins, which ES modules do not have: the banner gives them one.
await build({
  entryPoints: ['src/demo/main.ts'],
  outfile: 'dist/bundle/demo.mjs',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  banner: { js: "import { createRequire as __cfCreateRequire } from 'node:module'; const require = __cfCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
