import type { HostPort } from "../tools/http-origin";

/** Where a live instance listens: loopback today, the tenant's own address in its network namespace later. */
export type Upstream = HostPort;

/** What the gateway needs from the rest of the orchestrator; the router owns caching and start deduplication. */
export type GatewayRouter = {
  /** Instance id for a subdomain (already lower-cased), or null → 404. */
  resolve(subdomain: string): Promise<string | null>;
  /** The instance a verified custom domain (lower-case, no port) routes to, or null → 404. */
  resolveCustomDomain?(hostname: string): Promise<{ id: string; subdomain: string } | null>;
  /** Address of the instance if it is live right now (no start, no wait): the hot path of every request. */
  running?(instanceId: string): Upstream | undefined;
  /**
   * Where the instance runs when several nodes share the work (docs/scale-out.md): "here", or the
   * gateway of the node that runs it (or should start it). Rejects with a 503 when no node can.
   */
  locate?(instanceId: string): Promise<"here" | Upstream>;
  /** A forward to the node `locate` named failed: look the instance up again next time. */
  forgetLocation?(instanceId: string): void;
  /** Address of the live instance, starting it if needed (the router dedupes concurrent starts). Rejects if it cannot start. */
  ensureRunning(instanceId: string): Promise<Upstream>;
  /** Activity for idle tracking: every request, and open/close of long-lived connections (SSE, WebSocket). */
  activity(instanceId: string, kind: "request" | "open" | "close"): void;
  /**
   * For a request carrying an instance API key: the Authorization value to forward instead (a
   * short-lived superuser token). Rejects with UnauthorizedError for a bad or revoked key. Without
   * it, API keys are stripped so they never reach PocketBase.
   */
  authorize?(instanceId: string, upstream: Upstream, apiKey: string): Promise<string>;
  /** PocketBase refused a token `authorize` returned (401): it must not be handed out again. */
  tokenRejected?(instanceId: string): void;
  /** Redeems a one-time "Open admin" code of this instance: the superuser session for the admin UI. */
  adminSession?(instanceId: string, upstream: Upstream, code: string): Promise<{ token: string; record: Record<string, unknown> }>;
  /** Whether the instance is over its disk quota: writes (POST/PUT/PATCH) are then refused with 507. */
  overQuota?(instanceId: string): boolean;
};

/** Caps that keep one client, or one instance, from using up the gateway. 0 turns a cap off. */
export type GatewayLimits = {
  /** Time a client has to send its request headers. */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open. */
  keepAliveTimeoutMs: number;
  /** Open client connections overall (503 beyond). */
  maxConnections: number;
  /** Open client connections per peer address (429 beyond); applies only without trusted proxies. */
  maxConnectionsPerIp: number;
  /** Requests in flight plus open streams per client IP (429 beyond). */
  maxConcurrentPerIp: number;
  /** Open SSE and WebSocket streams per instance (503 beyond). */
  maxStreamsPerInstance: number;
  /** Requests per second per client IP per instance (429 beyond). */
  ratePerIp: number;
  /** Requests per second per instance from all clients (429 beyond). */
  ratePerInstance: number;
};

export type GatewayConfig = {
  host: string;
  port: number;
  baseDomain: string;
  wakeTimeoutMs: number;
  /** Proxies in front that append to X-Forwarded-For (lib/client-ip.ts). */
  trustedProxyHops: number;
  /** Proves requests forwarded between the nodes' gateways (cluster/peer-auth.ts). */
  peerKey: string;
  limits: GatewayLimits;
};

export type Gateway = {
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ port: number }>;
  /** Stops accepting, ends streams, lets in-flight requests finish briefly, then closes everything. */
  close(): Promise<void>;
};
