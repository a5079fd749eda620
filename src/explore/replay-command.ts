/**
 * The command that replays a finding, as printed after a search: `gnt-sim replay PATH`, with
 * `--scenario-file FILE` when the scenario is not a built-in one, so that pasting it works.
 */

/** Quotes `word` for a POSIX shell when it holds anything but plain path characters. */
export function shellWord(word: string): string {
  return /^[\w./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

export function replayCommand(replayPath: string, scenarioFile?: string): string {
  const file = scenarioFile === undefined ? '' : ` --scenario-file ${shellWord(scenarioFile)}`;
  return `gnt-sim replay ${shellWord(replayPath)}${file}`;
}
