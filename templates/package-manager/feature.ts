import { defineFeature } from '../../src/create/manifest.js';
import { templateVersions } from '../../src/create/versions.js';

export default defineFeature({
  id: 'package-manager',
  title: 'Package manager',
  option: {
    id: 'packageManager',
    message: 'Package manager',
    default: 'npm',
    // `npm create`, `pnpm create` and `yarn create` announce themselves in npm_config_user_agent ("pnpm/10.3.0 npm/? node/…").
    detectDefault: (env) => /^(npm|pnpm|yarn)\//.exec(env.npm_config_user_agent ?? '')?.[1],
    choices: [
      {
        value: 'npm',
        label: 'npm',
        data: { install: 'npm install', ciInstall: 'npm ci', prodInstall: 'npm ci --omit=dev', run: 'npm run', test: 'npm test', exec: 'npx', lockfile: 'package-lock.json', corepack: false },
        summary: 'Package manager: npm, pinned in `packageManager`; commit `package-lock.json`.',
        packageJson: { fields: { packageManager: `npm@${templateVersions.npm.version}` } },
      },
      {
        value: 'pnpm',
        label: 'pnpm',
        data: { install: 'pnpm install', ciInstall: 'pnpm install --frozen-lockfile', prodInstall: 'pnpm install --frozen-lockfile --prod', run: 'pnpm', test: 'pnpm test', exec: 'pnpm exec', lockfile: 'pnpm-lock.yaml', corepack: true },
        summary: 'Package manager: pnpm (through Corepack), pinned in `packageManager`; commit `pnpm-lock.yaml`.',
        packageJson: { fields: { packageManager: `pnpm@${templateVersions.pnpm.version}` } },
      },
      {
        value: 'yarn',
        label: 'Yarn',
        data: { install: 'yarn install', ciInstall: 'yarn install --immutable', prodInstall: 'yarn workspaces focus --all --production', run: 'yarn', test: 'yarn test', exec: 'yarn', lockfile: 'yarn.lock', corepack: true },
        summary: 'Package manager: Yarn (through Corepack, `node_modules` linker), pinned in `packageManager`; commit `yarn.lock`.',
        packageJson: { fields: { packageManager: `yarn@${templateVersions.yarn.version}` } },
      },
    ],
  },
});
