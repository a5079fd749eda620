#!/usr/bin/env node
// The gnt-sim command runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci`,
// `npm pack` and an install from a git URL run through the `prepare` script). In a development
// checkout (scripts/build.mjs is here) dist/ is rebuilt first when it is missing or older than the
// sources, as `cargo run` does, so the command never runs stale code; an installed package ships
// dist/ built and skips the check.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const cli = new URL('dist/src/cli/main.js', root);
const builder = new URL('scripts/build.mjs', root);

if (existsSync(builder)) {
  const { BuildError, buildIfStale } = await import(builder.href);
  try {
    buildIfStale(fileURLToPath(root), (line) => process.stderr.write(`gnt-sim: ${line}\n`));
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
    process.stderr.write(`gnt-sim: ${e.message}\n`);
    process.exit(2);
  }
} else if (!existsSync(cli)) {
  process.stderr.write(`gnt-sim: ${fileURLToPath(cli)} is missing: this installation of gnt-sim is incomplete\n`);
  process.exit(2);
}
await import(cli.href);
