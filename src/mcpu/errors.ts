/**
 * Python built-in exceptions the processor raises that are not Ganeti errors (so the job queue
 * encodes them as `OpExecError(str(err))`).
 */

/** Python's `NotImplementedError`: an LU declared something the processor does not support. */
export class NotImplementedError extends Error {
  constructor(message = '') {
    super(message);
    this.name = 'NotImplementedError';
  }
}
