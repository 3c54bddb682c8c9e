/**
 * The floor of any Node gateway, for bench/gateway-overhead.ts: a TCP relay that pipes each client
 * connection to its own PocketBase connection, with no HTTP parsing, routing or policy at all. A
 * gateway that reads requests (to route, limit and wake) can only cost more than this, so its
 * throughput ratio bounds what a Node gateway can reach on the same machine.
 */
import net from "node:net";

/** Listens on a free loopback port and relays every connection to `upstreamPort`; resolves to the port. */
export async function serveTcpRelay(upstreamPort: number): Promise<number> {
  const server = net.createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: "127.0.0.1", port: upstreamPort, noDelay: true });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const side of [client, upstream]) side.on("error", close).on("close", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as net.AddressInfo).port;
}
