import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules
  .flatMap((m) => [m, `node:${m}`])
  .filter((m) => !['assert', 'node:assert'].includes(m));

/** npm packages that do I/O or are too heavy for the deterministic workflow sandbox. */
const ioLibraries = [
  'undici',
  'zod',
  'yaml',
  'csv-parse',
  'commander',
  'cli-progress',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
  '@temporalio/envconfig',
];
/** Project folders whose code does I/O; workflows may import their types only. */
const ioModules = [
  'activities',
  'provider',
  'dev-harness',
  'bin',
  'callbacks',
  'config',
  'temporal',
  'cli',
  'campaign',
  'broadcast',
  'codec',
  'provider-quota',
];

export default tseslint.config(
  {
    // Build output, installs, and local dot-folders (.tools, .data, personal scratch folders): none of it is source.
    ignores: ['lib/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.*/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-duplicate-imports': 'error',
    },
  },
  {
    // Type-aware rules for the TypeScript sources, which tsconfig.json covers.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    // Plain Node scripts and config files (scripts/postinstall.js, jest.config.js, this file): no type information.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The product never depends on the development harness; only the harness's entry points in src/bin use it.
    files: ['src/**/*.ts'],
    ignores: ['src/dev-harness/**', 'src/bin/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)*(\\./)?dev-harness(/|$)',
              message: 'Product code may not import the development harness (src/dev-harness).',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in a deterministic sandbox: no Node built-ins, no I/O or heavy libraries.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflow code must be deterministic: no Node built-ins.',
            })),
          ],
          patterns: [
            {
              group: ioLibraries.flatMap((name) => [name, `${name}/*`]),
              message: 'Keep I/O and heavy libraries out of the workflow bundle (use an activity).',
              allowTypeImports: true,
            },
            {
              regex: `^(\\.\\./)+(${ioModules.join('|')})(/|$)`,
              message: 'Workflows may not import I/O modules (type imports are fine).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  }
);
