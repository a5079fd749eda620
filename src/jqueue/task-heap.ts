/**
 * The worker pool's task heap: lower priority value first, then FIFO by an increasing sequence
 * number (Ganeti's heap of `[priority, sequence, task_id, args]`). Entries whose priority was
 * changed stay in the heap marked abandoned and are skipped when popped, as in `heapq`.
 */

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

export class TaskHeap<T> {
  private readonly items: TaskEntry<T>[] = [];

  /** Entries in the heap, abandoned ones included (Ganeti's `len(self._tasks)`). */
  get size(): number {
    return this.items.length;
  }

  push(entry: TaskEntry<T>): void {
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i] as TaskEntry<T>, a[parent] as TaskEntry<T>)) break;
      [a[i], a[parent]] = [a[parent] as TaskEntry<T>, a[i] as TaskEntry<T>];
      i = parent;
    }
  }

  pop(): TaskEntry<T> | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l] as TaskEntry<T>, a[m] as TaskEntry<T>)) m = l;
        if (r < a.length && before(a[r] as TaskEntry<T>, a[m] as TaskEntry<T>)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as TaskEntry<T>, a[i] as TaskEntry<T>];
        i = m;
      }
    }
    return top;
  }

  /** Live (not abandoned) entries in the order they would be popped. */
  live(): TaskEntry<T>[] {
    return this.items.filter((e) => e.args !== null).sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }
}
