// Worker threads start without the TypeScript loader the main thread has: register tsx in
// this thread, then load the real worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
