/**
 * DOT to SVG with graphviz-cli (Graphviz compiled to WebAssembly: nothing to install on the
 * machine). Rendering is deterministic: the same DOT gives the same SVG bytes.
 */
import { renderGraphFromSource } from 'graphviz-cli';

export class DotRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DotRenderError';
  }
}

// The WebAssembly module is not re-entrant; renders are queued one after another.
let queue: Promise<unknown> = Promise.resolve();

/** Renders DOT to a standalone SVG document. */
export function renderSvg(dot: string): Promise<string> {
  const next = queue.then(async () => {
    try {
      return await renderGraphFromSource({ input: dot }, { format: 'svg', engine: 'dot' });
    } catch (e) {
      throw new DotRenderError(`graphviz could not render the graph: ${(e as Error).message ?? String(e)}`);
    }
  });
  queue = next.catch(() => undefined);
  return next;
}

/**
 * An SVG document made fit to sit inside HTML next to others: no XML prolog or doctype, and
 * every `id` (Graphviz numbers them `graph0`, `node1`, ... in each drawing) prefixed so that
 * ids stay unique in the page.
 */
export function inlineSvg(svg: string, idPrefix: string): string {
  const start = svg.indexOf('<svg');
  const body = start >= 0 ? svg.slice(start) : svg;
  return body
    .replace(/\bid="([^"]*)"/g, (_m, id: string) => `id="${idPrefix}-${id}"`)
    .replace(/(xlink:href|href)="#([^"]*)"/g, (_m, attr: string, id: string) => `${attr}="#${idPrefix}-${id}"`)
    .trimEnd();
}
