/** Where a server listens: a host name or IP literal and a port. */
export type HostPort = { host: string; port: number };

/** `http://host:port`, with an IPv6 literal in brackets (`http://[fd00::2]:8090`). */
export function httpOrigin({ host, port }: HostPort): string {
  return host.includes(":") ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}
