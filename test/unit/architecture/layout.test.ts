import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/cli.js';

/**
 * The layout's rules, checked on the source itself: small folders and files, no import cycle (type-only imports
 * included: they tie files together for a reader too), pure `core/` folders, and no citation of documents that are
 * not in the repository.
 */
const SRC = join(REPO_ROOT, 'src');
const MAX_FILES_PER_FOLDER = 14;
const MAX_LINES_PER_FILE = 400;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC);
const text = new Map(files.map((file) => [file, readFileSync(file, 'utf8')]));
const rel = (file: string) => relative(REPO_ROOT, file);

/** Relative imports and re-exports of a file (static and dynamic), resolved to source paths. */
function importsOf(file: string): string[] {
  const specifiers = [...(text.get(file) as string).matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1] as string);
  return specifiers.map((spec) => resolve(dirname(file), spec).replace(/\.js$/, '.ts')).filter((path) => text.has(path));
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

function findCycles(): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].map(rel));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

describe('source layout', () => {
  it(`no folder holds more than ${MAX_FILES_PER_FOLDER} source files`, () => {
    const counts = new Map<string, number>();
    for (const file of files) counts.set(rel(dirname(file)), (counts.get(rel(dirname(file))) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > MAX_FILES_PER_FOLDER)).toEqual([]);
  });

  it(`no source file is longer than ${MAX_LINES_PER_FILE} lines`, () => {
    const long = files.map((file) => [rel(file), (text.get(file) as string).split('\n').length] as const).filter(([, n]) => n > MAX_LINES_PER_FILE);
    expect(long).toEqual([]);
  });

  it('no import cycle, type-only imports included', () => {
    expect(findCycles()).toEqual([]);
  });

  it('core/ folders are pure: they import only other core/ code and no module that does I/O', () => {
    const offenders: string[] = [];
    for (const file of files.filter((f) => rel(f).includes('/core/'))) {
      for (const target of graph.get(file) ?? []) if (!rel(target).includes('/core/')) offenders.push(`${rel(file)} → ${rel(target)}`);
      for (const m of (text.get(file) as string).matchAll(/from\s+['"](node:[a-z_/]+|[a-z@][^'"]*)['"]/g)) {
        if (!['node:crypto', 'node:path', 'yaml'].includes(m[1] as string)) offenders.push(`${rel(file)} → ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('cites no document outside the repository, no issue number and no history', () => {
    const docs = [join(REPO_ROOT, 'README.md'), ...readdirSync(join(REPO_ROOT, 'docs')).map((name) => join(REPO_ROOT, 'docs', name))];
    const scanned = [...files, ...sourceFiles(join(REPO_ROOT, 'test')), ...sourceFiles(join(REPO_ROOT, 'bench')), ...docs];
    const offenders = scanned.flatMap((file) => {
      const lines = readFileSync(file, 'utf8').split('\n');
      return lines.flatMap((line, i) => (/\bDESIGN\b|(?<!RFC \d+ )§\d|\(#\d+\)|\bissue \d+\b|\bBefore, /.test(line) ? [`${rel(file)}:${i + 1}: ${line.trim()}`] : []));
    }).filter((hit) => !hit.startsWith('test/unit/architecture/'));
    expect(offenders).toEqual([]);
  });
});
