/**
 * Finds import cycles among the project's own TypeScript files (every file tsconfig.json includes: src, testkit,
 * bench, chaos, test, scripts). `npm run lint` fails on any cycle; test/import-cycles.test.ts keeps this check honest.
 *
 * Every import counts, type-only ones included: a cycle of types still ties two modules into one, and the layout is
 * meant to read as layers. Only relative specifiers that resolve to a project file are edges; packages are leaves.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

/** A module and the project modules it imports, by absolute path. */
export type ImportGraph = Map<string, string[]>;

export const NO_CYCLES_MESSAGE = 'No import cycles.';

/** The import graph of the files a tsconfig includes. */
export function importGraphOf(tsconfigPath: string): ImportGraph {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.resolve(tsconfigPath),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    }
  );
  if (!parsed) throw new Error(`Cannot read ${tsconfigPath}`);
  const files = new Set(parsed.fileNames.map((file) => path.resolve(file)));
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const source = ts.createSourceFile(file, ts.sys.readFile(file) ?? '', ts.ScriptTarget.Latest, true);
    const targets = new Set<string>();
    for (const specifier of moduleSpecifiersOf(source)) {
      if (!specifier.startsWith('.')) continue;
      const resolved = ts.resolveModuleName(specifier, file, parsed.options, ts.sys).resolvedModule;
      const target = resolved && path.resolve(resolved.resolvedFileName);
      if (target && files.has(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Every module specifier a file names: imports, re-exports, `import x = require()`, `require()` and `import()`. */
function moduleSpecifiersOf(source: ts.SourceFile): string[] {
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      specifiers.push(node.moduleReference.expression.text);
    } else if (ts.isCallExpression(node) && isRequireOrDynamicImport(node)) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteralLike(argument)) specifiers.push(argument.text);
    } else if (ts.isImportTypeNode(node)) {
      const { argument } = node;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal))
        specifiers.push(argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

function isRequireOrDynamicImport(call: ts.CallExpression): boolean {
  if (call.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
  return ts.isIdentifier(call.expression) && call.expression.text === 'require';
}

/**
 * One cycle per strongly connected component of the graph (Tarjan), each as the files in import order with the first
 * repeated at the end. A component can hold several cycles; fixing the one shown reveals the next.
 */
export function findImportCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;

  const connect = (node: string): void => {
    index.set(node, next);
    lowLink.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        connect(target);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(target)!));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfImport = graph.get(node)?.includes(node) ?? false;
    if (component.length > 1 || selfImport) components.push(component);
  };

  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return components.map((component) => cycleWithin(graph, new Set(component)));
}

/** A shortest cycle through the component's first file (in sorted order), found breadth-first. */
function cycleWithin(graph: ImportGraph, component: Set<string>): string[] {
  const [start] = [...component].sort() as [string];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head]!;
    for (const target of graph.get(node) ?? []) {
      if (!component.has(target)) continue;
      if (target === start) {
        const cycle = [node];
        while (cycle[0] !== start) cycle.unshift(cameFrom.get(cycle[0]!)!);
        return [...cycle, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  throw new Error(`No cycle through ${start} in its own component`);
}

/** The report `npm run lint` prints: one line per cycle, paths relative to `root`. */
export function describeCycles(cycles: string[][], root: string): string {
  if (cycles.length === 0) return NO_CYCLES_MESSAGE;
  const lines = cycles.map((cycle) => `  ${cycle.map((file) => path.relative(root, file)).join(' -> ')}`);
  return [
    `${cycles.length} import cycle(s); break each (move the shared part into a module both can import):`,
    ...lines,
  ].join('\n');
}

/** Checks the project at `tsconfigPath`; returns the exit code. */
export function checkImportCycles(tsconfigPath: string, write: (text: string) => void): number {
  const cycles = findImportCycles(importGraphOf(tsconfigPath));
  write(`${describeCycles(cycles, path.dirname(path.resolve(tsconfigPath)))}\n`);
  return cycles.length === 0 ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = checkImportCycles(process.argv[2] ?? 'tsconfig.json', (text) => process.stdout.write(text));
}
