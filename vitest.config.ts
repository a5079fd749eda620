import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Property tests run thousands of simulations; the default 5 s is too tight on 2 cores.
    testTimeout: 60_000,
  },
});
