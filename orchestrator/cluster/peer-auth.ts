import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** Carries the node-to-node key on a request one gateway forwards to another. */
export const PEER_AUTH_HEADER = "x-picobase-node-auth";
/** The client address the forwarding gateway saw (trusted only with a valid key). */
export const PEER_CLIENT_HEADER = "x-picobase-client-ip";
/** How many gateways have forwarded the request so far. */
export const PEER_HOPS_HEADER = "x-picobase-hops";

/**
 * Gateways a request may pass through before one must answer it: the one it reached, and one
 * more when the node it was sent to has just moved the instance on (a drain).
 */
export const MAX_PEER_HOPS = 2;

/** A request a peer gateway forwarded: the client it vouches for, and how many gateways forwarded it. */
export type PeerRequest = { clientIp: string; hops: number };

/**
 * The key gateways prove a forwarded request with: derived from the internal API token every node
 * shares, so the token itself never travels with tenant traffic.
 */
export function peerKey(orchestratorToken: string): string {
  return createHmac("sha256", orchestratorToken).update("picobase node-to-node gateway v1").digest("base64url");
}

/**
 * Reads and removes the peer headers of an incoming request, whatever they hold, so they never reach
 * a tenant. Returns what a peer vouched for, or undefined when the request did not come from a peer
 * (no header, or a wrong key).
 */
export function takePeerRequest(headers: IncomingHttpHeaders, key: string): PeerRequest | undefined {
  const given = headers[PEER_AUTH_HEADER];
  const client = headers[PEER_CLIENT_HEADER];
  const hops = Number(headers[PEER_HOPS_HEADER]);
  delete headers[PEER_AUTH_HEADER];
  delete headers[PEER_CLIENT_HEADER];
  delete headers[PEER_HOPS_HEADER];
  if (typeof given !== "string" || typeof client !== "string" || client === "") return undefined;
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
  return { clientIp: client, hops: Number.isInteger(hops) && hops >= 1 ? hops : MAX_PEER_HOPS };
}

/** Marks a request this gateway forwards to the node that runs its instance; `hops` is how many forwarded it before. */
export function stampPeerRequest(headers: IncomingHttpHeaders, key: string, clientIp: string, hops: number): void {
  headers[PEER_AUTH_HEADER] = key;
  headers[PEER_CLIENT_HEADER] = clientIp;
  headers[PEER_HOPS_HEADER] = String(hops + 1);
}
