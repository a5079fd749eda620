/**
 * Ganeti's error classes as far as the job queue and the opcode processor use them
 * (`lib/errors.py`), plus the queue's own control-flow exceptions, and the encoding of errors
 * into opcode results (`errors.EncodeException`, `jqueue._EncodeOpError`).
 *
 * An encoded error is `[className, args]`, exactly the JSON shape Ganeti stores in a job file.
 * An error counts as a Ganeti error (kept as is when encoded) when it is a `GenericError` or
 * carries the name of one of Ganeti's error classes, so that error classes defined in other
 * layers (the lock manager's `LockError`) need not inherit from this file's base class.
 */

/** `errors.GenericError`: the base of every Ganeti error. `args` mirrors Python's `err.args`. */
export class GenericError extends Error {
  readonly args: readonly unknown[];

  constructor(...args: unknown[]) {
    super(args.length === 0 ? '' : String(args[0]));
    this.args = args;
    this.name = new.target.name;
  }
}

/** A bug in the caller (Python code raises it for impossible states). */
export class ProgrammerError extends GenericError {}
/** The opcode's prerequisites are not met; `args` are `(message, errorCode)`. */
export class OpPrereqError extends GenericError {}
export class OpExecError extends GenericError {}
export class OpResultError extends GenericError {}
export class OpCodeUnknown extends GenericError {}
/** A job is neither in the queue nor in the archive. */
export class JobLost extends GenericError {}
export class JobQueueError extends GenericError {}
export class JobQueueDrainError extends JobQueueError {}
export class JobQueueFull extends JobQueueError {}
/** Setting up the change watch for WaitForJobChanges failed (inotify in Ganeti). */
export class InotifyError extends GenericError {}

/** Python's `AssertionError`: Ganeti's sanity checks are asserts, kept as such. */
export class AssertionError extends Error {
  constructor(message = '') {
    super(message);
    this.name = 'AssertionError';
  }
}

/** Throws an `AssertionError` when `cond` is false (a Python `assert`). */
export function pyAssert(cond: unknown, message = ''): asserts cond {
  if (!cond) throw new AssertionError(message);
}

// ---------------------------------------------------------------------------------------------
// Control-flow exceptions of the queue and the processor (not Ganeti errors: never encoded as is).

/** `jqueue.CancelJob`: raised by the opcode callbacks when the opcode was cancelled. */
export class CancelJob extends Error {
  constructor(message = '') {
    super(message);
    this.name = 'CancelJob';
  }
}

/** `jqueue.QueueShutdown`: raised by the callbacks when the queue is shutting down. */
export class QueueShutdown extends Error {
  constructor(message = '') {
    super(message);
    this.name = 'QueueShutdown';
  }
}

/**
 * `mcpu.LockAcquireTimeout`: a lock attempt of the opcode processor timed out. Defined here
 * because the job processor (jqueue) must catch it and jqueue does not import mcpu.
 */
export class LockAcquireTimeout extends Error {
  constructor(message = '') {
    super(message);
    this.name = 'LockAcquireTimeout';
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** Names of Ganeti's error classes (`lib/errors.py`, v2.10) that may appear in encoded results. */
const GANETI_ERROR_NAMES: ReadonlySet<string> = new Set([
  'GenericError',
  'LVMError',
  'LockError',
  'HypervisorError',
  'HotplugError',
  'ProgrammerError',
  'BlockDeviceError',
  'ConfigurationError',
  'ConfigVersionMismatch',
  'AddressPoolError',
  'ReservationError',
  'RemoteError',
  'SignatureError',
  'ParameterError',
  'ResultValidationError',
  'OpPrereqError',
  'OpExecError',
  'OpResultError',
  'DeviceCreationError',
  'OpCodeUnknown',
  'JobLost',
  'JobFileCorrupted',
  'ResolverError',
  'HooksFailure',
  'HooksAbort',
  'UnitParseError',
  'ParseError',
  'TypeEnforcementError',
  'X509CertError',
  'TagError',
  'CommandError',
  'StorageError',
  'InotifyError',
  'JobQueueError',
  'JobQueueDrainError',
  'JobQueueFull',
  'ConfdMagicError',
  'ConfdClientError',
  'UdpDataSizeError',
  'NoCtypesError',
  'IPAddressError',
  'LuxiError',
  'QueryFilterParseError',
  'RapiTestResult',
  'FileStoragePathError',
]);

const KNOWN_CLASSES: ReadonlyMap<string, new (...args: unknown[]) => GenericError> = new Map<
  string,
  new (
    ...args: unknown[]
  ) => GenericError
>([
  ['GenericError', GenericError],
  ['ProgrammerError', ProgrammerError],
  ['OpPrereqError', OpPrereqError],
  ['OpExecError', OpExecError],
  ['OpResultError', OpResultError],
  ['OpCodeUnknown', OpCodeUnknown],
  ['JobLost', JobLost],
  ['JobQueueError', JobQueueError],
  ['JobQueueDrainError', JobQueueDrainError],
  ['JobQueueFull', JobQueueFull],
  ['InotifyError', InotifyError],
]);

/** The JSON form of an error inside an opcode result: `[className, args]`. */
export type EncodedError = readonly [className: string, args: readonly unknown[]];

/** Whether `err` is one of Ganeti's errors (by class or, for other layers' classes, by name). */
export function isGanetiError(err: unknown): err is Error {
  return err instanceof GenericError || (err instanceof Error && GANETI_ERROR_NAMES.has(err.name));
}

/** `errors.EncodeException`: `[class name, args]`. */
export function encodeException(err: Error): EncodedError {
  const args = err instanceof GenericError ? err.args : [err.message];
  return [err.name, JSON.parse(JSON.stringify(args)) as unknown[]];
}

/** `jqueue._EncodeOpError`: Ganeti errors are kept, anything else becomes `OpExecError(str(err))`. */
export function encodeOpError(err: unknown): EncodedError {
  if (isGanetiError(err)) return encodeException(err);
  const text = err instanceof Error ? err.message : String(err);
  return encodeException(new OpExecError(text));
}

/** `errors.GetEncodedError`: the error an opcode result encodes, or null if it encodes none. */
export function getEncodedError(result: unknown): GenericError | null {
  if (!Array.isArray(result) || result.length !== 2) return null;
  const [name, args] = result as [unknown, unknown];
  if (typeof name !== 'string' || !Array.isArray(args) || !GANETI_ERROR_NAMES.has(name)) return null;
  const cls = KNOWN_CLASSES.get(name);
  if (cls) return new cls(...args);
  // A Ganeti error class this layer does not define (e.g. `LockError`): same name and args.
  const err = new GenericError(...args);
  err.name = name;
  return err;
}

/** `errors.MaybeRaise`: throws the error an opcode result encodes, if any. */
export function maybeRaise(result: unknown): void {
  const err = getEncodedError(result);
  if (err) throw err;
}
