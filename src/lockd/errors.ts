/**
 * libvirt errors. A libvirt function reports an error (`virReportError(code, fmt, ...)`) and
 * returns -1; here it throws a `VirError` carrying the same code, domain and message, and the
 * caller catches what it expects (a busy resource, a restricted connection) exactly where libvirt
 * checks the -1. Anything else is a bug and ends the run as an `exception` outcome.
 *
 * Errors cross the simulated wire as plain data (`VirErrorData`), like libvirt's remote error
 * struct, and are rebuilt on the other side with `VirError.from`.
 */
import { VirErr, type VirErrCode, VirFrom, type VirFromDomain, virErrName } from './constants.js';

export interface VirErrorData {
  readonly code: number;
  readonly domain: number;
  readonly message: string;
}

export class VirError extends Error {
  constructor(
    readonly code: VirErrCode | number,
    readonly domain: VirFromDomain | number,
    message: string,
  ) {
    super(message);
    this.name = 'VirError';
  }

  toData(): VirErrorData {
    return { code: this.code, domain: this.domain, message: this.message };
  }

  static from(data: VirErrorData): VirError {
    return new VirError(data.code, data.domain, data.message);
  }

  /** `CODE: message`, for traces. */
  describe(): string {
    return `${virErrName(this.code)}: ${this.message}`;
  }
}

export function isVirError(e: unknown, code?: number): e is VirError {
  return e instanceof VirError && (code === undefined || e.code === code);
}

/** Shape check for data that crossed the wire. */
export function isVirErrorData(v: unknown): v is VirErrorData {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.code === 'number' && typeof r.domain === 'number' && typeof r.message === 'string';
}

/** `virCheckFlags`: unsupported flags are `VIR_ERR_INVALID_ARG`. */
export function checkFlags(flags: number, allowed: number, fn: string, domain: VirFromDomain): void {
  if ((flags & ~allowed) !== 0) {
    throw new VirError(VirErr.INVALID_ARG, domain, `${fn}: unsupported flags (0x${(flags & ~allowed).toString(16)})`);
  }
}

/** `virReportSystemError`: the errno's text is appended to the message. */
export function systemError(domain: VirFromDomain, errno: string, message: string): VirError {
  return new VirError(VirErr.SYSTEM_ERROR, domain, `${message}: ${ERRNO_TEXT[errno] ?? errno}`);
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  EAGAIN: 'Resource temporarily unavailable',
  ENOTDIR: 'Not a directory',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  EINVAL: 'Invalid argument',
  ESRCH: 'No such process',
};

export const LOCKING = VirFrom.LOCKING;
export const LOCKSPACE = VirFrom.LOCKSPACE;
