/** The code blocks of README.md, by the section they stand in, so tests run them as written. */
import { readFileSync } from 'node:fs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/**
 * The fenced blocks (optionally only those of one language) of the `## ` or `### ` section titled
 * `title`, up to the next heading of either level (a section's subsections are their own).
 */
export function readmeBlocks(title: string, lang?: string): string[] {
  const heading = /\n(##|###) (.*)\n/g;
  let start = -1;
  for (let m = heading.exec(readme); m; m = heading.exec(readme)) {
    if (m[2] === title) {
      start = m.index;
      break;
    }
  }
  if (start === -1) throw new Error(`README.md has no section "## ${title}"`);
  const end = readme.slice(start + 1).search(/\n###? /) + start + 1;
  const section = readme.slice(start, end === start ? undefined : end);
  const blocks: string[] = [];
  for (const m of section.matchAll(/\n```(\w*)\n([\s\S]*?)\n```/g)) {
    if (lang === undefined || m[1] === lang) blocks.push(`${m[2]}\n`);
  }
  return blocks;
}

/** The one block of `lang` in section `title`. */
export function readmeBlock(title: string, lang: string): string {
  const blocks = readmeBlocks(title, lang);
  if (blocks.length !== 1) throw new Error(`README.md section "${title}" has ${blocks.length} ${lang} blocks, not 1`);
  return blocks[0] as string;
}
