import type { OutgoingHttpHeaders } from "node:http";
import type { Dispatcher } from "undici";

/**
 * Response hop-by-hop headers (RFC 9110 §7.6.1) the gateway must not forward: Node frames the
 * client response itself (chunked for HTTP/1.1 without Content-Length, close-delimited for 1.0)
 * and manages the client connection's keep-alive independently of the upstream one.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

/**
 * Request headers the gateway does not forward: the hop-by-hop ones, which the upstream client
 * sets for its own connection, and `Expect` (Node's server has already answered 100-continue).
 */
const REQUEST_HOP_BY_HOP = new Set([...HOP_BY_HOP, "expect"]);

/** Upstream raw headers (flat name/value list, as strings or latin1 bytes) minus hop-by-hop ones, in the flat form `writeHead` accepts. */
export function forwardableHeaders(rawHeaders: ReadonlyArray<string | Buffer>): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toString("latin1");
    // Hop-by-hop names are 2 to 17 characters long; skip the lower-casing for most headers.
    if (name.length <= 17 && HOP_BY_HOP.has(name.toLowerCase())) continue;
    out.push(name, rawHeaders[i + 1]!.toString("latin1"));
  }
  return out;
}

/** A request's parsed headers (lower-case names) minus hop-by-hop ones, as a flat name/value list. */
export function forwardableRequestHeaders(headers: OutgoingHttpHeaders): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || REQUEST_HOP_BY_HOP.has(name)) continue;
    if (Array.isArray(value)) for (const item of value) out.push(name, item);
    else out.push(name, String(value));
  }
  return out;
}

/** The upstream response's raw headers as undici's controller holds them (a flat name/value list). */
export function rawHeaderList(controller: Dispatcher.DispatchController): ReadonlyArray<string | Buffer> {
  const raw = controller.rawHeaders;
  return Array.isArray(raw) ? raw : [];
}
