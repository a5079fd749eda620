#!/usr/bin/env node
// The published entry point runs the TypeScript sources through tsx, so `npm ci`
// is the only set-up step: no build, no global install.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
