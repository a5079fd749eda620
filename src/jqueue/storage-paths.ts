/**
 * Where the job queue lives on a node's disk (Ganeti `pathutils`, spec §5.1): the queue
 * directory with `lock`, `version`, `serial`, `drain`, one `job-<id>` file per live job and
 * `archive/<id // 10000>/job-<id>` for archived ones. The master daemon and the node daemons
 * use the same layout on their own disks, so a master candidate's replica is a ready queue.
 */
import { JSTORE_JOBS_PER_ARCHIVE_DIRECTORY } from './constants.js';

/** `pathutils.QUEUE_DIR` (`<DATA_DIR>/queue`). */
export const QUEUE_DIR = '/var/lib/ganeti/queue';

/** `JOB_FILE_RE`: the names of live job files. */
export const JOB_FILE_RE = /^job-(\d+)$/;

export interface QueuePaths {
  readonly dir: string;
  readonly lock: string;
  readonly version: string;
  readonly serial: string;
  readonly drain: string;
  readonly archiveDir: string;
}

export function queuePaths(dir: string = QUEUE_DIR): QueuePaths {
  return {
    dir,
    lock: `${dir}/lock`,
    version: `${dir}/version`,
    serial: `${dir}/serial`,
    drain: `${dir}/drain`,
    archiveDir: `${dir}/archive`,
  };
}

/** `_GetJobPath`: `queue/job-<id>`. */
export function jobPath(p: QueuePaths, id: number): string {
  return `${p.dir}/job-${id}`;
}

/** `_GetArchiveDirectory`: the archive subdirectory holding job `id`. */
export function archiveSubdir(p: QueuePaths, id: number): string {
  return `${p.archiveDir}/${Math.floor(id / JSTORE_JOBS_PER_ARCHIVE_DIRECTORY)}`;
}

/** `_GetArchivedJobPath`: `queue/archive/<id // 10000>/job-<id>`. */
export function archivedJobPath(p: QueuePaths, id: number): string {
  return `${archiveSubdir(p, id)}/job-${id}`;
}

/** The job id of a live job file name, or null for any other name. */
export function jobIdOfName(name: string): number | null {
  const m = JOB_FILE_RE.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Whether `path` lies in the queue directory. Ganeti's `_EnsureJobQueueFile` compares string
 * prefixes (`os.path.commonprefix`), which would also accept `/var/lib/ganeti/queue-x`; we
 * require a whole path component, the evident intent.
 */
export function isInQueueDir(p: QueuePaths, path: string): boolean {
  return path.startsWith(`${p.dir}/`) && !path.split('/').includes('..');
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** A 32-bit FNV-1a hash of a file's content, for trace events (the content itself is too big). */
export function contentHash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
