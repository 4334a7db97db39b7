import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Starts one real PostgreSQL (embedded, or DATABASE_URL's server) and migrates it before any test file runs.
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    coverage: {
      enabled: true,
      provider: 'v8',
      include: ['src/**/*.ts'],
      // Process entry points run in `npm run dev` and the container; migrate.ts runs in the global setup, outside the workers.
      exclude: ['src/server.ts', 'src/worker.ts', 'src/db/migrate.ts'],
      reporter: ['text-summary', 'lcov'],
      thresholds: { lines: 80, functions: 80, branches: 70, statements: 80 },
    },
  },
});
