import { z } from "zod";
import type { PublicUrlSettings } from "./instance-url";
import { parseEnv, platformEnvSchema, resolvePlatform } from "./platform-env";

const webEnvSchema = platformEnvSchema.extend({
  NEXTAUTH_URL: z.url().default("http://localhost:3000"),
  NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  ORCHESTRATOR_URL: z.url().optional(),
  INSTANCE_QUOTA: z.coerce.number().int().min(0).default(5),
  /** Platform API requests one account token may make per minute (per web process). */
  ACCOUNT_TOKEN_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
});

/** Everything the web app reads from its environment, with embedded defaults resolved. */
export type WebConfig = ReturnType<typeof loadWebConfig>;

/** Parses the web app's environment once; fails naming each bad variable. */
export function loadWebConfig(source: Record<string, string | undefined>) {
  // Next's ProcessEnv type insists on NODE_ENV; the parser only needs string values.
  const env = parseEnv(webEnvSchema, source as NodeJS.ProcessEnv);
  const platform = resolvePlatform(env);
  const publicUrl: PublicUrlSettings = {
    baseDomain: env.BASE_DOMAIN,
    gatewayPort: env.GATEWAY_PORT,
    publicGatewayUrl: env.PUBLIC_GATEWAY_URL,
  };
  return {
    dataDir: platform.dataDir,
    db: platform.db,
    nextAuthUrl: env.NEXTAUTH_URL,
    nextAuthSecret: env.NEXTAUTH_SECRET ?? platform.generatedNextAuthSecret(),
    orchestratorUrl: env.ORCHESTRATOR_URL ?? `http://127.0.0.1:${env.ORCHESTRATOR_PORT}`,
    orchestratorToken: platform.orchestratorToken,
    /** Encrypts instance secrets as they are set; the orchestrator decrypts them at launch. */
    encryptionKey: platform.encryptionKey,
    instanceQuota: env.INSTANCE_QUOTA,
    tokenRequestsPerMinute: env.ACCOUNT_TOKEN_REQUESTS_PER_MINUTE,
    trustedProxyHops: platform.trustedProxyHops,
    deployMaxBytes: platform.deployMaxBytes,
    publicUrl,
  };
}

let cached: WebConfig | undefined;

/**
 * The web config, parsed on first use (so `next build` needs no environment). next-auth v4 reads
 * NEXTAUTH_URL/NEXTAUTH_SECRET from the environment itself, so they are published back here.
 */
export function webConfig(): WebConfig {
  if (cached) return cached;
  const config = loadWebConfig(process.env);
  process.env.NEXTAUTH_URL = config.nextAuthUrl;
  process.env.NEXTAUTH_SECRET = config.nextAuthSecret;
  cached = config;
  return config;
}
