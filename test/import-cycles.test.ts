import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  checkImportCycles,
  findImportCycles,
  importGraphOf,
  NO_CYCLES_MESSAGE,
  type ImportGraph,
} from '../scripts/import-cycles';

const graph = (edges: Record<string, string[]>): ImportGraph => new Map(Object.entries(edges));

describe('findImportCycles', () => {
  it('finds none in a layered graph, shared leaves included', () => {
    expect(findImportCycles(graph({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }))).toEqual([]);
  });

  it('finds a module that imports itself', () => {
    expect(findImportCycles(graph({ a: ['a'] }))).toEqual([['a', 'a']]);
  });

  it('finds each separate cycle once, as a path that closes on its start', () => {
    const cycles = findImportCycles(
      graph({ a: ['b'], b: ['c'], c: ['a', 'x'], x: ['y'], y: ['x', 'z'], z: [], lone: ['a'] })
    );
    expect(cycles).toEqual(
      expect.arrayContaining([
        ['a', 'b', 'c', 'a'],
        ['x', 'y', 'x'],
      ])
    );
    expect(cycles).toHaveLength(2);
  });

  it('shows the shortest cycle through the first file of a tangled component', () => {
    expect(findImportCycles(graph({ a: ['b', 'c'], b: ['c'], c: ['d', 'a'], d: ['b'] }))).toEqual([['a', 'c', 'a']]);
  });
});

describe('the project check', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-cycles-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const project = (files: Record<string, string>): string => {
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ include: ['**/*.ts'] }));
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), text);
    }
    return path.join(dir, 'tsconfig.json');
  };

  it('fails on a cycle through any kind of import and names its files', () => {
    const tsconfig = project({
      'src/worker.ts': "import { run } from './main';\nexport const worker = run;\n",
      'src/main.ts': "export { helper } from './lib';\nexport const run = 1;\n",
      'src/lib/index.ts': "import type { Settings } from '../settings';\nexport const helper = (s: Settings) => s;\n",
      'src/settings.ts': "export type Settings = typeof import('./dynamic');\n",
      'src/dynamic.ts': "const worker = require('./worker');\nexport default worker;\n",
      'src/leaf.ts': "import fs from 'node:fs';\nexport const leaf = fs;\n",
    });
    let output = '';
    expect(checkImportCycles(tsconfig, (text) => (output += text))).toBe(1);
    expect(output).toContain(
      ['src/dynamic.ts', 'src/worker.ts', 'src/main.ts', 'src/lib/index.ts', 'src/settings.ts', 'src/dynamic.ts'].join(
        ' -> '
      )
    );
  });

  it('passes a project without cycles, with dynamic import() edges', () => {
    const tsconfig = project({
      'a.ts': "import { b } from './b';\nexport const a = () => import('./c').then(() => b);\n",
      'b.ts': "import { c } from './c';\nexport const b = c;\n",
      'c.ts': 'export const c = 1;\n',
    });
    const edges = importGraphOf(tsconfig);
    expect(edges.get(path.join(dir, 'a.ts'))).toEqual([path.join(dir, 'b.ts'), path.join(dir, 'c.ts')]);
    let output = '';
    expect(checkImportCycles(tsconfig, (text) => (output += text))).toBe(0);
    expect(output.trim()).toBe(NO_CYCLES_MESSAGE);
  });

  it('finds no cycle in this repository (src, testkit, bench, chaos, test, scripts)', () => {
    let output = '';
    const code = checkImportCycles(path.resolve(__dirname, '..', 'tsconfig.json'), (text) => (output += text));
    expect(output.trim()).toBe(NO_CYCLES_MESSAGE);
    expect(code).toBe(0);
  });
});
