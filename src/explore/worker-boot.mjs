// Worker threads of a search started from gnt-sim's TypeScript sources (vitest in this
// repository) have no TypeScript loader: register tsx in this thread, then load the real worker.
// Compiled gnt-sim never comes here; its workers start at `worker.js` (see worker-entry.ts).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
