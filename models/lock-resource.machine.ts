/**
 * The lifecycle of one lock-daemon resource record (libvirt spec §6.1 `ResourceState`, §6.2).
 *
 * `virLockSpace` emits `libvirt.resource <node>:<lockspace>|<name> <from> <to> <op> <owner>
 * <owners>` for every change. The mode is fixed by the first acquirer for the record's lifetime:
 * there is no shared -> exclusive upgrade and no downgrade, and an exclusive record never gains
 * a second owner (no re-entrancy). Readonly resources never reach the table.
 *
 * Data only: no guards, no actions, no context.
 */
import { createMachine } from 'xstate';

export const lockResourceMachine = createMachine({
  id: 'lock-resource',
  initial: 'free',
  states: {
    free: {
      description: 'no record',
      on: {
        ACQUIRE_EXCLUSIVE: { target: 'exclusive', description: 'acquire without SHARED: file locked F_WRLCK' },
        ACQUIRE_SHARED: { target: 'shared', description: 'acquire with SHARED: file locked F_RDLCK' },
      },
    },
    shared: {
      description: 'a multiset of owner PIDs, non-empty',
      on: {
        JOIN_SHARED: { target: 'shared', description: 'another SHARED acquire (the same PID may appear twice)' },
        RELEASE: { target: 'shared', description: 'one occurrence removed, owners left' },
        RELEASE_LAST: { target: 'free', description: 'the last owner released (or its connection closed)' },
      },
    },
    exclusive: {
      description: 'exactly one owner PID',
      on: {
        RELEASE_LAST: { target: 'free', description: 'the owner released, or its connection closed' },
      },
    },
  },
});
