import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // The tests of the `tessera` command run it as shipped: its bundle, rebuilt first if a source changed.
    globalSetup: ['tests/support/global-setup.ts'],
    exclude: ['node_modules/**', 'dist/**', '.peers/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
