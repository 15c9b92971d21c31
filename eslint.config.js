// Flat config: the recommended TypeScript rules with type information, plus the house rules
// (no default exports; activities are imported into workflows as types only).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', 'tools/', 'test/fixtures/', '.scratch-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      'no-restricted-exports': [
        'error',
        { restrictDefaultExports: { direct: true, named: true, defaultFrom: true } },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../activities/*', '../activities'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only.',
            },
            {
              group: ['node:*', '../store/*', '../kling/*'],
              message: 'Workflow code must stay deterministic and free of I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    // Config files and the bin launcher are tooling, exempt from the no-default-export rule's intent.
    files: ['*.config.ts', '*.config.js', 'vitest.*.ts'],
    rules: { 'no-restricted-exports': 'off' },
  },
  prettier,
);
