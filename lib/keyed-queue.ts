/** Runs tasks one at a time per key (an instance, a client address), in submission order, across keys in parallel. */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run<T>(key: string, task: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      // A failed earlier task was already reported to its own caller; it must not block later ones.
      const result = previous.then(task, task);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
    /** Whether any task for `key` is queued or running. */
    busy(key: string): boolean {
      return tails.has(key);
    },
  };
}
