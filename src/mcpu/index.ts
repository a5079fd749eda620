/** The opcode processor and logical units (`lib/mcpu.py`, `lib/cmdlib/`, Ganeti 2.10): public surface. */
export * from './constants.js';
export * from './dispatch.js';
export * from './errors.js';
export * from './lock-timeout.js';
export * from './logical-unit.js';
export * from './opcodes.js';
export * from './process-result.js';
export * from './processor.js';
export * from './verify-locks.js';
export * from './work.js';
