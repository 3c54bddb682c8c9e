/** What the gateway needs from the rest of the orchestrator; the router owns caching and start deduplication. */
export type GatewayRouter = {
  /** Instance id for a subdomain (already lower-cased), or null → 404. */
  resolve(subdomain: string): Promise<string | null>;
  /** Port of the live instance, starting it if needed (the router dedupes concurrent starts). Rejects if it cannot start. */
  ensureRunning(instanceId: string): Promise<{ port: number }>;
  /** Activity for idle tracking: every request, and open/close of long-lived connections (SSE, WebSocket). */
  activity(instanceId: string, kind: "request" | "open" | "close"): void;
  /**
   * For a request carrying an instance API key: the Authorization value to forward instead (a
   * short-lived superuser token). Rejects with UnauthorizedError for a bad or revoked key. Without
   * it, API keys are stripped so they never reach PocketBase.
   */
  authorize?(instanceId: string, port: number, apiKey: string): Promise<string>;
  /** PocketBase refused a token `authorize` returned (401): it must not be handed out again. */
  tokenRejected?(instanceId: string): void;
  /** Redeems a one-time "Open admin" code of this instance: the superuser session for the admin UI. */
  adminSession?(instanceId: string, port: number, code: string): Promise<{ token: string; record: Record<string, unknown> }>;
};

export type GatewayConfig = { host: string; port: number; baseDomain: string; wakeTimeoutMs: number };

export type Gateway = {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ port: number }>;
  /** Stops accepting, ends streams, lets in-flight requests finish briefly, then closes everything. */
  close(): Promise<void>;
};
