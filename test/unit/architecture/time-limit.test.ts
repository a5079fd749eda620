/**
 * The suite's time limit holds for synchronous tests (`test/support/time-limit.ts`): a test busy
 * past its limit without yielding fails, naming the time it took, while one within its limit
 * passes; and the project's vitest configuration installs the limit.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../../vitest.config.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('test time limit', () => {
  it('a synchronous test past its limit fails, naming how long it took; one within passes', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        'test/fixtures/time-limit/vitest.fixture.config.ts',
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } },
    );
    const out = `${r.stdout}${r.stderr}`;
    expect(r.status).toBe(1);
    expect(out).toMatch(/test took 0\.\d s, over its 0\.3 s limit/);
    expect(out).toMatch(/1 failed \| 1 passed/);
  });

  it('the project configuration installs the limit for every test file', () => {
    expect(config.test?.setupFiles).toContain('test/support/time-limit.ts');
    expect(config.test?.testTimeout).toBeGreaterThan(0);
  });
});
