import pLimit from "p-limit";

/** A bounded work queue whose results come out in the order the tasks went in. */
export type OrderedPool<T> = {
  /**
   * Queues a task, then waits while `window` tasks are queued or running. Every pushed task runs
   * (after a failure it should check `aborted` and return quickly, releasing what it holds); a
   * failure of any task or of `onResult` makes this reject once every started task has settled.
   */
  push(task: () => Promise<T>): Promise<void>;
  /** Waits for every task and hands the remaining results over; rejects with the first failure. */
  finish(): Promise<void>;
  /** Waits for every queued task to settle, discarding results: cleanup after an error elsewhere. */
  settle(): Promise<void>;
  /** True once a task or `onResult` failed. */
  readonly aborted: boolean;
};

/**
 * Runs at most `concurrency` tasks at once and keeps at most `window` in flight, so a producer of
 * any number of tasks uses bounded memory; `onResult` sees results one at a time, in push order.
 */
export function createOrderedPool<T>(options: { concurrency: number; window: number; onResult: (value: T) => void | Promise<void> }): OrderedPool<T> {
  const limit = pLimit(options.concurrency);
  const queue: Array<Promise<T>> = [];
  let failure: { error: unknown } | null = null;

  const consumeHead = async () => {
    const head = queue.shift() as Promise<T>;
    try {
      await options.onResult(await head);
    } catch (error) {
      failure ??= { error };
    }
  };
  const settleAll = async () => {
    await Promise.allSettled(queue.splice(0));
  };
  const throwIfFailed = async () => {
    if (!failure) return;
    await settleAll();
    throw failure.error;
  };

  return {
    async push(task) {
      const running = limit(task);
      // Consumed in order below; marking it handled avoids an unhandled-rejection report meanwhile.
      running.catch(() => undefined);
      queue.push(running);
      while (queue.length >= options.window && !failure) await consumeHead();
      await throwIfFailed();
    },
    async finish() {
      while (queue.length > 0 && !failure) await consumeHead();
      await throwIfFailed();
    },
    settle: settleAll,
    get aborted() {
      return failure !== null;
    },
  };
}
