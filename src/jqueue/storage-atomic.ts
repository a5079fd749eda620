/**
 * Ganeti's `utils.WriteFile` as the queue uses it: a temporary file in the same directory,
 * written and fsynced, renamed over the target, then the directory fsynced so that the new name
 * survives a crash of the node. A crash at any point leaves either the old or the new content
 * under the name, never a torn mix (a torn write can only hit the temporary file, which is
 * never read). Ganeti itself does not fsync the directory; on the simulated disk, as on ext4
 * without `dirsync`, the rename would otherwise be lost by a crash.
 */
import type { Disk, Proc } from '../sim/ports.js';
import { baseName, dirOf } from './storage-paths.js';

/** Temporary files are hidden names ending in `.new`; they never match `JOB_FILE_RE`. */
export function tempPath(path: string, tag: string): string {
  return `${dirOf(path)}/.${baseName(path)}.${tag}.new`;
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.new');
}

/**
 * Replaces `path` with `data` atomically and durably. `tag` makes the temporary name unique
 * among concurrent writers of the same disk. On a failure before the rename the temporary file
 * is removed and the target is untouched; the error is rethrown.
 */
export function* writeFileAtomically(disk: Disk, path: string, data: string, tag: string): Proc<void> {
  const tmp = tempPath(path, tag);
  try {
    yield* disk.writeFile(tmp, data);
    yield* disk.fsync(tmp);
  } catch (e) {
    if (yield* disk.exists(tmp)) yield* disk.unlink(tmp);
    throw e;
  }
  yield* disk.rename(tmp, path);
  yield* disk.fsyncDir(dirOf(path));
}

/**
 * Moves `from` to `to` durably. The target directory is fsynced first: a crash between the two
 * fsyncs leaves both names (the queue's start-up removes a live name that also exists in the
 * archive) rather than neither (a lost job). Idempotent, so a failed fsync can be retried: when
 * `from` is gone and `to` exists, only the fsyncs are repeated.
 */
export function* renameDurably(disk: Disk, from: string, to: string): Proc<void> {
  const retry = !(yield* disk.exists(from)) && (yield* disk.exists(to));
  if (!retry) yield* disk.rename(from, to);
  yield* disk.fsyncDir(dirOf(to));
  if (dirOf(from) !== dirOf(to)) yield* disk.fsyncDir(dirOf(from));
}

/** Removes `path` (if present) durably. */
export function* unlinkDurably(disk: Disk, path: string): Proc<void> {
  if (!(yield* disk.exists(path))) return;
  yield* disk.unlink(path);
  yield* disk.fsyncDir(dirOf(path));
}
