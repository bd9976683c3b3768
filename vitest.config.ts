import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The machines have two cores; more parallel files only queue on PostgreSQL and slow timing-based tests.
    maxWorkers: 2,
  },
});
