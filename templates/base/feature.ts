import { defineFeature } from '../../src/create/manifest.js';
import { npmDeps } from '../../src/create/versions.js';

export default defineFeature({
  id: 'base',
  title: 'Repository foundations',
  summary:
    'TypeScript (strict), ESLint and Vitest wired into `lint`, `typecheck` and `test` scripts; the Node.js version pinned in `.nvmrc`; `.env.example` documenting every variable (`.env` is ignored).',
  env: [
    { name: 'NODE_ENV', example: 'development', description: 'development, test or production.' },
    { name: 'LOG_LEVEL', example: 'info', description: 'pino log level: fatal, error, warn, info, debug or trace.' },
  ],
  packageJson: (context) => {
    const run = (context.packageManager as { run: string }).run;
    return {
      fields: { version: '0.0.0', private: true, type: 'module', engines: { node: '>=20.12' } },
      scripts: {
        lint: 'eslint .',
        typecheck: 'tsc --noEmit',
        test: 'vitest run',
        check: `${run} lint && ${run} typecheck && ${run} test`,
      },
      devDependencies: npmDeps('typescript', 'eslint', 'eslintJs', 'typescriptEslint', 'globals', 'vitest', 'typesNode'),
    };
  },
  notes: ['Copy `.env.example` to `.env` and fill in the values.'],
});
