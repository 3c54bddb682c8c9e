import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Carries the node-to-node key on a request one gateway forwards to another. */
export const PEER_AUTH_HEADER = "x-picobase-node-auth";
/** The client address the forwarding gateway saw (trusted only with a valid key). */
export const PEER_CLIENT_HEADER = "x-picobase-client-ip";

/**
 * The key gateways prove a forwarded request with: derived from the internal API token every node
 * shares, so the token itself never travels with tenant traffic.
 */
export function peerKey(orchestratorToken: string): string {
  return createHmac("sha256", orchestratorToken).update("picobase node-to-node gateway v1").digest("base64url");
}

/**
 * Reads and removes the peer headers of an incoming request, whatever they hold, so they never reach
 * a tenant. Returns the client address a peer vouched for, or undefined when the request did not
 * come from a peer (no header, or a wrong key).
 */
export function takePeerClient(headers: IncomingHttpHeaders, key: string): string | undefined {
  const given = headers[PEER_AUTH_HEADER];
  const client = headers[PEER_CLIENT_HEADER];
  delete headers[PEER_AUTH_HEADER];
  delete headers[PEER_CLIENT_HEADER];
  if (typeof given !== "string" || typeof client !== "string" || client === "") return undefined;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b) ? client : undefined;
}

/** Marks a request this gateway forwards to the node that runs its instance. */
export function stampPeerRequest(headers: IncomingHttpHeaders, key: string, clientIp: string): void {
  headers[PEER_AUTH_HEADER] = key;
  headers[PEER_CLIENT_HEADER] = clientIp;
}
