// `npm run capture:claude-code -- [versions…]`: bundles the capture script (TypeScript, like the rest of the test
// tree) with esbuild into .vitest-tmp/ and runs it. See capture.ts.
import { build } from 'esbuild';
import { pathToFileURL } from 'node:url';

const outfile = '.vitest-tmp/capture-claude-code.mjs';
await build({ entryPoints: ['test/real/capture/capture.ts'], outfile, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning' });
const { main } = await import(pathToFileURL(outfile).href);
await main(process.argv.slice(2));
