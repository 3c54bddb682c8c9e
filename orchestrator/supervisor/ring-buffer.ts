/** A fixed-capacity buffer keeping the most recent items. */
export type RingBuffer<T> = { push(item: T): void; last(n: number): T[]; readonly size: number };

/** Creates a ring buffer holding at most `capacity` items (oldest dropped first). */
export function createRingBuffer<T>(capacity: number): RingBuffer<T> {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
  const items: T[] = new Array<T>(capacity);
  let next = 0;
  let size = 0;
  return {
    push(item) {
      items[next] = item;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    last(n) {
      const count = Math.max(0, Math.min(Math.floor(n), size));
      const out: T[] = [];
      for (let i = count; i > 0; i--) out.push(items[(next - i + capacity) % capacity] as T);
      return out;
    },
    get size() {
      return size;
    },
  };
}
