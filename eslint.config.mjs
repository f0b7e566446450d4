import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules
  .flatMap((m) => [m, `node:${m}`])
  .filter((m) => !['assert', 'node:assert'].includes(m));

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', 'test-artifacts/**', '*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-duplicate-imports': 'error',
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
            ...['undici', 'zod', 'yaml', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map(
              (name) => ({
                name,
                message: 'Keep I/O and heavy libraries out of the workflow bundle (use an activity).',
                allowTypeImports: true,
              })
            ),
          ],
          patterns: [
            {
              group: ['**/provider/**', '**/sandbox/**', '**/callbacks/**', '**/config/**'],
              message: 'Workflows may not import I/O modules.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  }
);
