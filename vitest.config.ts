import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Builds dist/ when it is older than the sources: the e2e suites run the built bin.
    globalSetup: ['test/support/global-setup.ts'],
    // @actions/workflow-parser imports its JSON schema without an import attribute, which only a bundler accepts.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
