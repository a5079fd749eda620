/** Types of scripts/build.mjs (plain JavaScript, so that bin/gnt-sim.js can run it without tsx). */
export class BuildError extends Error {}
export function staleness(root: string): 'missing' | 'stale' | null;
export function build(root: string): void;
export function buildIfStale(root: string, say?: (line: string) => void): boolean;
