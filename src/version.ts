/** The tool's name and version, read once from package.json (outside any simulation). */
import { readFileSync } from 'node:fs';

// From the sources this module is `src/version.ts`; compiled it is `dist/src/version.js`, one
// folder deeper below the package root.
const packageJson = new URL(
  import.meta.url.endsWith('.ts') ? '../package.json' : '../../package.json',
  import.meta.url,
);
const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as {
  name: string;
  version: string;
};

export const TOOL_NAME: string = pkg.name;
export const TOOL_VERSION: string = pkg.version;
