/** One-line descriptions of findings for terminals and test messages. */
import type { Finding } from './finding.js';

export function describeFinding(f: Finding): string {
  return `${f.kind} (${f.property}) at step ${f.step}, t=${(f.timeUs / 1e6).toFixed(6)} s: ${f.message}`;
}
