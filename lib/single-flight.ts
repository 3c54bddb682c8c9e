/**
 * Shares one run of a task per key among concurrent callers (a tenant's start, a token being
 * minted): a call while one is in flight gets that promise; the first call after it settled runs
 * the task again. Failures are shared the same way and never cached.
 */
export function createSingleFlight<T>() {
  const inFlight = new Map<string, Promise<T>>();
  return {
    run(key: string, task: () => Promise<T>): Promise<T> {
      let pending = inFlight.get(key);
      if (!pending) {
        pending = Promise.resolve()
          .then(task)
          .finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    /** Whether a run for `key` is in flight. */
    has(key: string): boolean {
      return inFlight.has(key);
    },
    /** Every run in flight (e.g. to wait for them at shutdown). */
    pending(): Promise<T>[] {
      return [...inFlight.values()];
    },
  };
}
