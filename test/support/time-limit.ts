/**
 * Makes a test that runs past its time limit fail visibly even when its work is synchronous:
 * vitest's timeout races the test's promise and so cannot interrupt a test that never yields
 * (a long simulation), which would otherwise pass however long it took. After each test the
 * wall time it took is compared with its timeout (`testTimeout` in `vitest.config.ts`, or the
 * test's own): over it, the test fails, naming both. A limit of the harness, not an assertion
 * about performance.
 */
import { afterEach, beforeEach } from 'vitest';

// Taken before any simulation runs: the determinism guard replaces `performance.now` during runs.
const now = performance.now.bind(performance);
const started = new WeakMap<object, number>();

beforeEach((ctx) => {
  started.set(ctx.task, now());
});

afterEach((ctx) => {
  const start = started.get(ctx.task);
  if (start === undefined) return;
  const tookMs = now() - start;
  const limitMs = ctx.task.timeout;
  if (limitMs > 0 && tookMs > limitMs) {
    throw new Error(
      `test took ${(tookMs / 1000).toFixed(1)} s, over its ${(limitMs / 1000).toFixed(1)} s limit ` +
        '(synchronous work is not interrupted by the timeout, so it is checked after the test)',
    );
  }
});
