import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_INPUTS } from '../../../src/operations/core/systemd-example.js';
import { renderUnits } from '../../../src/operations/core/systemd-units.js';
import { REPO_ROOT } from '../../support/cli.js';

describe('systemd/example', () => {
  it('is exactly what the code renders (regenerate: npm run build && node scripts/render-unit-examples.mjs)', async () => {
    const dir = join(REPO_ROOT, 'systemd', 'example');
    const units = renderUnits(EXAMPLE_INPUTS);
    expect((await readdir(dir)).sort()).toEqual(units.map((u) => u.name).sort());
    for (const unit of units) expect(await readFile(join(dir, unit.name), 'utf8'), unit.name).toBe(unit.content);
  });
});
