import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/fixtures/**', 'examples/**', 'templates/**/files/**', '.bench/**', 'test/tmp/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    // An ES import of the CommonJS packages the audit loads makes Node lex their source for named exports, which V8
    // then optimises on the second core (src/audit/ignore.ts says what it measured); the audit requires them instead.
    files: ['src/**/*.ts', 'rules/**/*.ts'],
    ignores: ['src/audit/ignore.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'ignore', message: "Import { ignore } from src/audit/ignore.ts (required as CommonJS).", allowTypeImports: true },
            { name: 'libpg-query', message: 'Use parsePg/parsePgTree from src/audit/parsers/pg.ts (required as CommonJS).', allowTypeImports: true },
            { name: '@mrleebo/prisma-ast', message: 'Use parsePrisma from src/audit/parsers/prisma.ts (required as CommonJS).', allowTypeImports: true },
            { name: 'dockerfile-ast', message: 'Use src/audit/parsers/dockerfile.ts (required as CommonJS).', allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['src/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', exports: 'writable', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
