import { defineConfig } from 'vitest/config';
import { ClosingLineReporter } from './test/support/closing-line-reporter.js';

// `npm run test:cluster` (not part of `npm test`): the production topology of test/cluster — Temporal's own server
// as four processes on PostgreSQL, the simulator and several workers as processes — under faults. One cluster for
// the whole file, the tests in order: faults run one after the other on it.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default', new ClosingLineReporter()],
    include: ['test/cluster/**/*.test.ts'],
    fileParallelism: false,
    sequence: { concurrent: false },
    // A fault test waits out Temporal's timeouts (a lost create answer: the submit's 2-minute start-to-close).
    testTimeout: 10 * 60_000,
    hookTimeout: 15 * 60_000,
  },
});
