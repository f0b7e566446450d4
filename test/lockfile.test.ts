/**
 * The committed package-lock.json is complete, so `npm ci` (CI) takes it on any platform and `npm install` on a fresh
 * clone does not rewrite it: every optional dependency of every package (other platforms' native builds included) is
 * in it, and its root entry matches package.json. A guard: it held when CI moved to `npm ci`.
 */
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;

interface LockEntry {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

it('lists every optional dependency, and the root entry matches package.json', () => {
  const lock = read('package-lock.json') as { lockfileVersion: number; packages: Record<string, LockEntry> };
  const pkg = read('package.json') as LockEntry;
  expect(lock.lockfileVersion).toBe(3);
  const root = lock.packages[''];
  expect(root?.dependencies).toEqual(pkg.dependencies);
  expect(root?.devDependencies).toEqual(pkg.devDependencies);
  const missing: string[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      // Resolved as node does: nested under the package first, then hoisted to the top.
      const nested = location ? `${location}/node_modules/${name}` : `node_modules/${name}`;
      if (!lock.packages[nested] && !lock.packages[`node_modules/${name}`]) missing.push(`${location} → ${name}`);
    }
  }
  expect(missing).toEqual([]);
});
