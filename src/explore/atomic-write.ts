/**
 * Durable, atomic file writes for findings and reports: write a temporary file beside the
 * target, fsync it, rename it over the target, fsync the directory. A crash at any point leaves
 * either the old file or the new one, never a torn one; a failed write leaves no temporary file.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns on some file
 * systems where a directory can neither exist nor be made (it loops on ENOENT under /proc).
 */
export function makeDirs(path: string): void {
  const missing: string[] = [];
  let p = resolve(path);
  while (!existsSync(p)) {
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

export function writeFileAtomic(path: string, data: string): void {
  const dir = dirname(path);
  makeDirs(dir);
  // Worker threads of one process write side by side: the thread id keeps their names apart.
  const tmp = join(dir, `.${basename(path)}.${process.pid}-${threadId}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
