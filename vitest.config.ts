import { defineConfig } from 'vitest/config';
import { ClosingLineReporter } from './test/support/closing-line-reporter.js';

// Three projects: `unit` needs nothing but Node; `store` and `integration` get real servers from global setups
// (one Temporal dev server, one PostgreSQL for the whole run; a task queue per test file).
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default', new ClosingLineReporter()],
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'test/domain/**/*.test.ts',
            'test/kling/**/*.test.ts',
            'test/cli/**/*.test.ts',
            'test/temporal/**/*.test.ts',
            'test/config/**/*.test.ts',
            'test/log/**/*.test.ts',
            'test/replay/**/*.test.ts',
            'test/deploy/**/*.test.ts',
            'test/callbacks/**/*.test.ts',
            'test/bench/**/*.test.ts',
            'test/activities/**/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'store',
          include: ['test/store/**/*.test.ts'],
          globalSetup: ['test/setup/postgres.ts'],
          // Opening PGlite (WASM) and starting a throwaway PostgreSQL take seconds each.
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/temporal.ts', 'test/setup/postgres.ts'],
          // Bundling workflow code and waiting on real servers needs more than vitest's 5 s default.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
