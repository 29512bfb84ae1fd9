import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Servers (dynalite, PostgreSQL) start per test file; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // A committed .only would silently skip the rest of the suite in CI.
    allowOnly: false,
    // Lambda runs Node 22+; the SDK's notice about local Node 20 is noise in every test file.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
