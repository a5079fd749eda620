/**
 * The worker pool's task heap: lower priority value first, then FIFO by an increasing sequence
 * number (Ganeti's heap of `[priority, sequence, task_id, args]`). Entries whose priority was
 * changed stay in the heap marked abandoned and are skipped when popped, as in `heapq`.
 */
import { MinHeap } from '../lib/min-heap.js';

export interface TaskEntry<T> {
  readonly priority: number;
  readonly seq: number;
  readonly taskId: number | null;
  /** The task's arguments; null once abandoned (its priority was changed). */
  args: T | null;
}

function before<T>(a: TaskEntry<T>, b: TaskEntry<T>): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}

/** The pool's heap: the project's one `MinHeap`, in the pool's order. */
export class TaskHeap<T> extends MinHeap<TaskEntry<T>> {
  constructor() {
    super(before);
  }

  /** Live (not abandoned) entries in the order they would be popped. */
  live(): TaskEntry<T>[] {
    return this.values()
      .filter((e) => e.args !== null)
      .sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }
}
