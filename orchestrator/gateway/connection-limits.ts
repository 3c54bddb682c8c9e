import type { Server } from "node:http";
import type { Socket } from "node:net";
import { normalizeIp } from "../../lib/client-ip";
import type { Logger } from "../logger";
import { atCapacityError, tooManyFromClientError } from "./errors";
import { refuseConnection } from "./responses";

/**
 * Caps open client connections: overall (503) and per peer address (429). A refused socket gets a
 * raw JSON error and is destroyed once it is flushed, so a flood of idle sockets cannot use up the
 * process's file descriptors. Behind trusted proxies every peer is a proxy, so the per-address cap
 * is left to the per-client request limits instead, as it is for the other nodes' gateways (`isPeer`),
 * which forward many clients' requests. Returns whether a socket was refused, for the request
 * handlers: the HTTP parser is already attached and may still emit its request.
 */
export function limitConnections(
  server: Server,
  limits: { maxConnections: number; maxConnectionsPerIp: number; trustedProxyHops: number },
  log: Logger,
  isPeer: (ip: string) => boolean = () => false,
): (socket: object) => boolean {
  const refused = new WeakSet<object>();
  const perIp = new Map<string, number>();
  const perIpCap = limits.trustedProxyHops > 0 ? 0 : limits.maxConnectionsPerIp;
  let open = 0;
  let lastWarnAt = 0;

  const refuse = (socket: Socket, err: Error, ip: string) => {
    refused.add(socket);
    refuseConnection(socket, err);
    // One line per 10 s at most: a flood must not also flood the log.
    if (Date.now() - lastWarnAt > 10_000) {
      lastWarnAt = Date.now();
      log.warn({ ip, open, reason: err.message }, "refusing connections");
    }
  };

  server.on("connection", (socket: Socket) => {
    const ip = normalizeIp(socket.remoteAddress) ?? "unknown";
    if (limits.maxConnections > 0 && open >= limits.maxConnections) return refuse(socket, atCapacityError("The gateway is"), ip);
    const fromIp = perIp.get(ip) ?? 0;
    if (perIpCap > 0 && fromIp >= perIpCap && !isPeer(ip)) return refuse(socket, tooManyFromClientError("connections"), ip);
    open++;
    perIp.set(ip, fromIp + 1);
    socket.once("close", () => {
      open--;
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
  });

  return (socket) => refused.has(socket);
}
