/** What the gateway needs from the rest of the orchestrator; the router owns caching and start deduplication. */
export type GatewayRouter = {
  /** Instance id for a subdomain (already lower-cased), or null → 404. */
  resolve(subdomain: string): Promise<string | null>;
  /** Port of the live instance, starting it if needed (the router dedupes concurrent starts). Rejects if it cannot start. */
  ensureRunning(instanceId: string): Promise<{ port: number }>;
  /** Activity for idle tracking: every request, and open/close of long-lived connections (SSE, WebSocket). */
  activity(instanceId: string, kind: "request" | "open" | "close"): void;
};

export type GatewayConfig = { host: string; port: number; baseDomain: string; wakeTimeoutMs: number };

export type Gateway = {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ port: number }>;
  /** Stops accepting, ends streams, lets in-flight requests finish briefly, then closes everything. */
  close(): Promise<void>;
};
