/**
 * Imports a module named by a user (a scenario file): `.ts`, `.mts` and `.cts` through tsx, which
 * gnt-sim depends on, so a project needs no TypeScript loader of its own; `.js` and `.mjs` as Node
 * imports them, without tsx. tsx is registered in the importing thread (main or worker) on the
 * first TypeScript module it meets, never for gnt-sim's own compiled code.
 */

const TYPESCRIPT_MODULE = /\.[mc]?ts$/;

/** Whether gnt-sim itself runs from its TypeScript sources (vitest or tsx already load `.ts`). */
export const RUNNING_FROM_SOURCES = import.meta.url.endsWith('.ts');

let typeScriptLoader: Promise<void> | null = null;

function registerTypeScriptLoader(): Promise<void> {
  typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return typeScriptLoader;
}

/** Imports `url` (a `file:` or other URL), registering tsx first if it is a TypeScript module. */
export async function importUserModule(url: string): Promise<Record<string, unknown>> {
  const path = url.replace(/[?#].*$/, '');
  if (TYPESCRIPT_MODULE.test(path) && !RUNNING_FROM_SOURCES) await registerTypeScriptLoader();
  return (await import(url)) as Record<string, unknown>;
}
