import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Response hop-by-hop headers (RFC 9110 §7.6.1) the gateway must not forward: Node frames the
 * client response itself (chunked for HTTP/1.1 without Content-Length, close-delimited for 1.0)
 * and manages the client connection's keep-alive independently of the upstream one.
 */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

/** Upstream raw headers (flat name/value list) minus hop-by-hop ones, in the flat form `writeHead` accepts. */
export function forwardableHeaders(rawHeaders: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    // Hop-by-hop names are 2 to 17 characters long; skip the lower-casing for most headers.
    if (name.length <= 17 && HOP_BY_HOP.has(name.toLowerCase())) continue;
    out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

/**
 * Copies an upstream response to the client, with backpressure, coalescing the writes of one
 * upstream read into one socket write: the socket is corked on the first chunk and uncorked in
 * the same event-loop turn (setImmediate), so headers, body and the final chunk terminator of a
 * small response leave in a single syscall instead of two or three. On loopback every write
 * also wakes the receiving process, which is most of a proxy's cost on small machines.
 * The socket is corked, not the response: Node 22 and 24 keep a corked response's chunks in a
 * buffer of their own, which end() overtakes with the terminating chunk (the body's tail then
 * lands after it, corrupting the keep-alive connection), and on Node 22 a write refused there
 * never emits 'drain'.
 */
export function relayResponse(proxyRes: IncomingMessage, res: ServerResponse, isStream: boolean): void {
  res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, forwardableHeaders(proxyRes.rawHeaders));
  // A stream's client should see the headers now, not with the first event.
  if (isStream) res.flushHeaders();
  const socket = res.socket;
  let corked = false;
  proxyRes.on("data", (chunk: Buffer) => {
    // A stream's chunk is an event someone waits for: written at once (corking would only add a turn of the loop).
    if (!corked && socket && !isStream) {
      corked = true;
      socket.cork();
      // Inline callback rather than a named const: tsx (esbuild keepNames) would wrap a named one per request.
      setImmediate(() => {
        if (!corked) return; // end() has flushed it already (the socket may serve the next request by now)
        corked = false;
        socket.uncork();
      });
    }
    if (!res.write(chunk)) proxyRes.pause();
  });
  res.on("drain", () => proxyRes.resume());
  proxyRes.on("end", () => {
    corked = false; // end() uncorks the socket fully, after queueing the terminating chunk behind the body
    res.end();
  });
  // Upstream died mid-body: the client must see a truncated response, not a clean end.
  proxyRes.on("error", () => res.destroy());
}
