/** The reason a file operation failed, in a few words, without the path node repeats. */
export function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'it is a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOTDIR: 'a part of the path is not a directory',
    EEXIST: 'it already exists',
    ENAMETOOLONG: 'the name is too long',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EMFILE: 'too many open files',
    ELOOP: 'too many symbolic links',
    EINVAL: 'invalid argument',
  };
  if (typeof err?.code === 'string' && reasons[err.code]) return reasons[err.code] as string;
  if (err?.code === 'ERR_INVALID_ARG_VALUE' && /null bytes/.test(err.message))
    return 'the path contains a NUL character';
  return (err instanceof Error ? err.message : String(e)).split('\n')[0] ?? '';
}
