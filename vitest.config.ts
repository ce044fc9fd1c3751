import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    // The tests of the `tessera` command run it as shipped: its bundle, rebuilt first if a source changed.
    globalSetup: ['tests/support/global-setup.ts'],
    exclude: ['node_modules/**', 'dist/**', '.peers/**'],
    // The slowest tests on this default take up to 12 s in full runs on the loaded 2-core machine (pkits, the packet
    // floods of connection.test.ts, malformed.test.ts): 30 s was under 3x that, for a machine whose speed drifts.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition; its default 1 s is a thin margin for conditions that cross processes (a
    // page, sshd, a worker) on a loaded 2-core machine. A condition that never comes still fails, after 20 s.
    expect: { poll: { timeout: 20_000 } },
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
