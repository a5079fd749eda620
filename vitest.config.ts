import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Property tests run thousands of simulations; the default 5 s is too tight on 2 cores. The
    // limit holds for synchronous tests too (`test/support/time-limit.ts`), which vitest's own
    // timeout cannot interrupt.
    testTimeout: 60_000,
    setupFiles: ['test/support/time-limit.ts'],
    // No test should take this long on an idle 2-core machine: reported as slow above it.
    slowTestThreshold: 20_000,
  },
});
