/** Where an app reaches an instance: one rule for the dashboard and the orchestrator. */
export type PublicUrlSettings = { baseDomain: string; gatewayPort: number; publicGatewayUrl?: string | undefined };

/**
 * `https://<sub>.<domain>` in production; `http://<sub>.localhost:<port>` locally. A
 * PUBLIC_GATEWAY_URL such as `http://example.test:8080` supplies scheme and port explicitly.
 */
export function instanceUrl(subdomain: string, s: PublicUrlSettings): string {
  if (s.publicGatewayUrl) {
    const u = new URL(s.publicGatewayUrl);
    return `${u.protocol}//${subdomain}.${u.host}`;
  }
  if (s.baseDomain === "localhost") return `http://${subdomain}.localhost:${s.gatewayPort}`;
  return `https://${subdomain}.${s.baseDomain}`;
}

/** An instance's URL on one of its custom domains: the gateway's public scheme and port, the domain's name. */
export function customDomainUrl(hostname: string, s: PublicUrlSettings): string {
  if (s.publicGatewayUrl) {
    const u = new URL(s.publicGatewayUrl);
    return `${u.protocol}//${hostname}${u.port ? `:${u.port}` : ""}`;
  }
  if (s.baseDomain === "localhost") return `http://${hostname}:${s.gatewayPort}`;
  return `https://${hostname}`;
}
