import net from "node:net";
import getPort, { portNumbers } from "get-port";
import { isInRange, portRange, preferredPort } from "./port-choice";

/** Hands out tenant ports from the configured range and remembers which ones supervised tenants hold. */
export type PortAllocator = {
  /** A free port; `previous` (the tenant's last port) is reused when it is still free. */
  acquire(previous?: number): Promise<number>;
  release(port: number): void;
};

/** Creates the allocator for `{ base, range }`. */
export function createPortAllocator(ports: { base: number; range: number }): PortAllocator {
  const range = portRange(ports);
  const owned = new Set<number>();
  return {
    async acquire(previous) {
      const others = new Set(owned);
      if (previous !== undefined) others.delete(previous);
      const wanted = preferredPort(previous, others, range);
      if (wanted !== undefined && (await isPortFree(wanted))) {
        owned.add(wanted);
        return wanted;
      }
      if (previous !== undefined) owned.delete(previous);
      // get-port also locks what it returns for ~15 s, so concurrent launches never share a port.
      const port = await getPort({ port: portNumbers(range.from, range.to), exclude: owned, host: "127.0.0.1" });
      if (!isInRange(port, range)) throw new Error(`no free tenant port in ${range.from}-${range.to}`);
      owned.add(port);
      return port;
    },
    release(port) {
      owned.delete(port);
    },
  };
}

/** True when nothing listens on 127.0.0.1:`port` (checked by binding it briefly). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" || err.code === "EACCES") resolve(false);
      else reject(err);
    });
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}
