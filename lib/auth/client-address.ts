import { clientIp } from "../client-ip";
import { webConfig } from "../env";
import { PEER_HEADER, stampedPeer } from "../peer-stamp";

/** Reads one header of a request (web `Headers`, or next-auth's plain header object). */
export type HeaderReader = (name: string) => string | null | undefined;

/**
 * The client address of a dashboard request, the key of its rate limits: the socket peer
 * (lib/peer-stamp.ts) or, behind TRUSTED_PROXY_HOPS proxies, the X-Forwarded-For entry they vouch
 * for (lib/client-ip.ts, shared with the gateway). With no trusted proxy the header is ignored.
 */
export function requestClientIp(header: HeaderReader): string {
  return clientIp(stampedPeer(header(PEER_HEADER)), header("x-forwarded-for") ?? undefined, webConfig().trustedProxyHops);
}
