/** Ganeti `test/py/ganeti.jqueue_unittest.py` TestEncodeOpError (v2.10.8), spec §9.2, §5.2. */
import { describe, expect, it } from 'vitest';
import { encodeOpError, GenericError, maybeRaise, OpExecError } from '../../../src/jqueue/errors.js';
import { LockError } from '../../../src/locking/index.js';

function raised(encoded: unknown): Error {
  try {
    maybeRaise(encoded);
  } catch (e) {
    return e as Error;
  }
  throw new Error('maybeRaise did not raise');
}

describe('TestEncodeOpError', () => {
  it('TestEncodeOpError.test: Ganeti errors are encoded as themselves, anything else as OpExecError', () => {
    let encerr = encodeOpError(new LockError('Test 1'));
    expect(Array.isArray(encerr) && encerr.length === 2).toBe(true);
    expect(raised(encerr).name).toBe('LockError');
    expect(raised(encerr).message).toBe('Test 1');

    encerr = encodeOpError(new GenericError('Test 2'));
    expect(encerr).toEqual(['GenericError', ['Test 2']]);
    expect(raised(encerr)).toBeInstanceOf(GenericError);

    // NotImplementedError("Foo"): not a Ganeti error.
    encerr = encodeOpError(new Error('Foo'));
    expect(encerr).toEqual(['OpExecError', ['Foo']]);
    expect(raised(encerr)).toBeInstanceOf(OpExecError);

    encerr = encodeOpError('Hello World');
    expect(encerr).toEqual(['OpExecError', ['Hello World']]);
    expect(raised(encerr)).toBeInstanceOf(OpExecError);

    // A result that encodes no error raises nothing.
    expect(() => maybeRaise({ jobs: [] })).not.toThrow();
    expect(() => maybeRaise(['NotAGanetiError', ['x']])).not.toThrow();
  });
});
