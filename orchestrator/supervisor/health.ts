import type { ChildExit } from "./spawn";

export type Readiness = { kind: "healthy" } | { kind: "exited"; exit: ChildExit } | { kind: "timeout" };

/**
 * Polls GET <url>/api/health until it answers 200, the process exits, or `timeoutMs` passes.
 * Each try has its own short timeout so one stuck connection cannot eat the whole budget. When
 * `announced` resolves (the process said it is listening) the next try goes at once instead of
 * after the rest of the interval.
 */
export async function waitForReady(url: string, exit: Promise<ChildExit>, timeoutMs: number, announced?: Promise<void>, intervalMs = 20): Promise<Readiness> {
  let exited: ChildExit | undefined;
  void exit.then((e) => {
    exited = e;
  });
  // Raced once: after it resolved, the loop sleeps its interval again.
  let nudge: Promise<void> | undefined = announced?.then(() => {
    nudge = undefined;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) return { kind: "exited", exit: exited };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { kind: "timeout" };
    if (await isHealthy(url, Math.min(1000, Math.max(50, remaining)))) return { kind: "healthy" };
    if (exited) return { kind: "exited", exit: exited };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, intervalMs))), exit, ...(nudge ? [nudge] : [])]);
    clearTimeout(timer);
  }
}

async function isHealthy(url: string, tryTimeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(tryTimeoutMs) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false; // connection refused or per-try timeout: the server is not up yet, keep polling
  }
}
