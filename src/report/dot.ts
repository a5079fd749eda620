/**
 * Writing DOT text. Every identifier and label is quoted, so state names, lock names and event
 * names never need to be valid DOT ids; attributes are written in the order given, so the same
 * graph always gives the same bytes.
 */

/** A DOT double-quoted string: backslashes and quotes escaped, newlines as DOT's centred `\n`. */
export function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

export type DotAttrs = Readonly<Record<string, string | number | boolean | undefined>>;

/** ` [a="1", b="x"]`, or the empty string when no attribute is set. Undefined values are left out. */
export function attrs(a: DotAttrs): string {
  const parts = Object.entries(a)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${quote(String(v))}`);
  return parts.length === 0 ? '' : ` [${parts.join(', ')}]`;
}

export function nodeLine(id: string, a: DotAttrs, indent = '  '): string {
  return `${indent}${quote(id)}${attrs(a)};`;
}

export function edgeLine(from: string, to: string, a: DotAttrs, indent = '  '): string {
  return `${indent}${quote(from)} -> ${quote(to)}${attrs(a)};`;
}

/** Graph-wide defaults shared by every diagram gnt-sim draws. */
export const FONT = 'Helvetica';

export function graphHeader(name: string, graph: DotAttrs): string[] {
  return [
    `digraph ${quote(name)} {`,
    `  graph${attrs({ fontname: FONT, fontsize: 12, ...graph })};`,
    `  node${attrs({ fontname: FONT, fontsize: 11 })};`,
    `  edge${attrs({ fontname: FONT, fontsize: 9 })};`,
  ];
}
