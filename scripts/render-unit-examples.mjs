// Writes systemd/example/: the units `claude-failover systemd install` renders, for a sample machine, so they can be
// read (and reviewed) without installing anything. A test keeps them identical to what the code renders.
// Run after `npm run build`: node scripts/render-unit-examples.mjs
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { EXAMPLE_INPUTS } from '../dist/src/operations/core/systemd-example.js';
import { renderUnits } from '../dist/src/operations/core/systemd-units.js';

const dir = new URL('../systemd/example/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
for (const name of readdirSync(dir)) rmSync(dir + name);
for (const unit of renderUnits(EXAMPLE_INPUTS)) writeFileSync(dir + unit.name, unit.content);
console.log(`wrote ${readdirSync(dir).length} units to systemd/example/`);
