/**
 * One setImmediate per event-loop turn for all connections with queued output:
 * everything sent while handling this turn's I/O leaves in one write per connection.
 */
export interface Flushable {
  flush(): void;
}

let dirty = new Set<Flushable>();
let scheduled = false;

export function scheduleFlush(target: Flushable): void {
  dirty.add(target);
  if (!scheduled) {
    scheduled = true;
    setImmediate(runFlush);
  }
}

function runFlush(): void {
  scheduled = false;
  // Swap first: a flush may send (memory pairs deliver synchronously), which
  // schedules the next turn rather than growing this one.
  const batch = dirty;
  dirty = new Set();
  for (const target of batch) target.flush();
}
