import pLimit from "p-limit";

/**
 * Like Promise.all over `tasks` with at most `concurrency` running, but after the first failure
 * no further task starts and the running ones are awaited before rejecting, so the caller can
 * clean up (delete temp folders) with no work still writing into them.
 */
export async function runAllOrStop<T>(concurrency: number, tasks: Array<() => Promise<T>>): Promise<T[]> {
  const limit = pLimit(concurrency);
  let firstError: { error: unknown } | null = null;
  const results = await Promise.all(
    tasks.map((task) =>
      limit(async (): Promise<T | undefined> => {
        if (firstError) return undefined;
        try {
          return await task();
        } catch (error) {
          firstError ??= { error };
          return undefined;
        }
      }),
    ),
  );
  if (firstError) throw (firstError as { error: unknown }).error;
  return results as T[];
}
