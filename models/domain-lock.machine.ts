/**
 * The lock lifecycle of one domain's QEMU process (libvirt spec §6.1 `ObjState`, §6.3).
 *
 * The hypervisor emits `libvirt.domain <name>/<pid> <from> <to>` for every change; the monitor
 * accepts a change when some event leads from `from` to `to`. Each QEMU process is an object of
 * its own (a restart is a new PID, a new object), so the lifecycle ends in `dead`.
 *
 * Data only: no guards, no actions, no context.
 */
import { createMachine } from 'xstate';

export const domainLockMachine = createMachine({
  id: 'domain-lock',
  initial: 'defined',
  states: {
    defined: {
      description: 'QEMU forked; nothing registered with the lock manager yet',
      on: {
        REGISTERED: { target: 'registered', description: 'ProcessStart(REGISTER_ONLY|RESTRICT) in the child' },
        START_FAILED: { target: 'dead', description: 'registration failed: the child exits' },
      },
    },
    registered: {
      description: 'PID registered, holds nothing (start with -S, incoming migration)',
      on: {
        CPUS_STARTED: { target: 'running', description: 'StartCPUs: ProcessResume acquired everything, then cont' },
        PROCESS_EXIT: { target: 'dead', description: 'QEMU exited, crashed or was killed' },
      },
    },
    running: {
      description: 'startup resources acquired, vCPUs running',
      on: {
        CPUS_STOPPED: { target: 'paused', description: 'StopCPUs: stop, then ProcessPause released' },
        PROCESS_EXIT: { target: 'dead', description: 'QEMU exited, crashed or was killed (no lock call)' },
      },
    },
    paused: {
      description: 'startup resources released; lock state kept for the resume',
      on: {
        CPUS_STARTED: { target: 'running', description: 'resume, migration cancel or Finish re-acquired' },
        PROCESS_EXIT: { target: 'dead', description: 'QEMU exited, crashed or was killed' },
      },
    },
    dead: { type: 'final' },
  },
});
