/** Polls `check` until it returns a non-undefined value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, { timeoutMs = 15_000, intervalMs = 50 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves when `url` answers with any HTTP status (the server is accepting connections). */
export function waitForHttp(url: string, timeoutMs = 15_000): Promise<number> {
  return waitFor(`${url} to answer`, async () => (await fetch(url)).status, { timeoutMs });
}
