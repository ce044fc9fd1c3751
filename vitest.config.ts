import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // The tests of the `tessera` command run it as shipped: its bundle, rebuilt first if a source changed.
    globalSetup: ['tests/support/global-setup.ts'],
    exclude: ['node_modules/**', 'dist/**', '.peers/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; its default 1 s is a thin margin for conditions that cross processes (a
    // page, sshd, a worker) on a loaded 2-core machine. A condition that never comes still fails, after 20 s.
    expect: { poll: { timeout: 20_000 } },
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
