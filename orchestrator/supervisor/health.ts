import type { ChildExit } from "./spawn";

export type Readiness = { kind: "healthy" } | { kind: "exited"; exit: ChildExit } | { kind: "timeout" };

/**
 * Polls GET <url>/api/health until it answers 200, the process exits, or `timeoutMs` passes.
 * Each try has its own short timeout so one stuck connection cannot eat the whole budget.
 */
export async function waitForReady(url: string, exit: Promise<ChildExit>, timeoutMs: number, intervalMs = 10): Promise<Readiness> {
  let exited: ChildExit | undefined;
  void exit.then((e) => {
    exited = e;
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) return { kind: "exited", exit: exited };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { kind: "timeout" };
    if (await isHealthy(url, Math.min(1000, Math.max(50, remaining)))) return { kind: "healthy" };
    if (exited) return { kind: "exited", exit: exited };
    await Promise.race([new Promise((r) => setTimeout(r, intervalMs)), exit]);
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
