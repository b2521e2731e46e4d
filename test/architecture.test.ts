/**
 * The shape of the codebase (STYLE 1, 2): no import cycles, dependencies point inward, and
 * capabilities reach each other only through their index.ts.
 */
import { parseCircular, parseDependencyTree } from 'dpdm';
import { relative, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/** What each capability may import besides itself. `*` = anything (adapters at the very edge). */
const ALLOWED: Record<string, readonly string[] | '*'> = {
  domain: [],
  logging: [],
  config: ['domain'],
  preprocess: ['domain'],
  model: ['domain', 'preprocess'],
  detect: ['domain', 'preprocess', 'model'],
  simulate: ['domain', 'logging'],
  store: ['domain', 'config', 'logging'],
  ingest: ['domain', 'config', 'logging', 'store'],
  respond: ['domain', 'config', 'logging', 'store', 'detect'],
  auth: ['domain', 'config', 'logging', 'store'],
  backup: ['domain', 'config', 'logging', 'store'],
  eval: ['domain', 'config', 'preprocess', 'model', 'detect', 'simulate', 'store', 'logging'],
  metrics: ['domain'],
  figures: ['domain', 'config', 'store'],
  training: ['domain', 'detect', 'model', 'simulate', 'store', 'logging'],
  replay: ['domain', 'detect', 'respond', 'simulate', 'logging'],
  api: '*',
  web: '*',
  cli: '*',
  'main.ts': '*',
};

type Tree = Awaited<ReturnType<typeof parseDependencyTree>>;
let tree: Tree;
const root = process.cwd();

function capability(file: string): string | undefined {
  const rel = relative(root, file).split(sep);
  if (rel[0] !== 'src') return undefined;
  return rel.length === 2 ? rel[1] : rel[1];
}

function isTestFile(file: string): boolean {
  return /\.test\.ts$/.test(file);
}

beforeAll(async () => {
  tree = await parseDependencyTree('src/**/*.ts', { context: root, transform: false, skipDynamicImports: false });
}, 60_000);

describe('architecture', () => {
  it('has no import cycles', () => {
    const circulars = parseCircular(tree);
    expect(circulars.map((c) => c.join(' -> '))).toEqual([]);
  });

  it('points dependencies inward and crosses capabilities only through index.ts', () => {
    const problems: string[] = [];
    for (const [file, deps] of Object.entries(tree)) {
      if (isTestFile(file) || !deps) continue;
      const from = capability(file);
      if (!from) continue;
      for (const dep of deps) {
        if (!dep.id || !dep.id.startsWith('src')) continue; // packages and node builtins
        const to = capability(dep.id);
        if (!to || to === from) continue;
        const allowed = ALLOWED[from];
        if (allowed === undefined) problems.push(`${file}: capability "${from}" is not in the architecture table`);
        else if (allowed !== '*' && !allowed.includes(to)) problems.push(`${file} imports ${dep.id}: "${from}" may not depend on "${to}"`);
        if (!/(^|\/)index\.ts$/.test(dep.id) && to !== 'main.ts') problems.push(`${file} imports ${dep.id}: cross-capability imports go through src/${to}/index.ts`);
      }
    }
    expect(problems).toEqual([]);
  });
});
