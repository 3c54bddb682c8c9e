import { z } from "zod";
import type { PublicUrlSettings } from "./instance-url";
import { envBool, parseEnv, platformEnvSchema, resolvePlatform } from "./platform-env";

const webEnvSchema = platformEnvSchema.extend({
  NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  ORCHESTRATOR_URL: z.url().optional(),
  INSTANCE_QUOTA: z.coerce.number().int().min(0).default(5),
  /** Platform API requests one account token may make per minute (per web process). */
  ACCOUNT_TOKEN_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Sign-in refuses accounts whose email address is not verified yet (verification is optional by default). */
  REQUIRE_EMAIL_VERIFICATION: envBool.default(false),
  /** How long the links in mails stay valid: email verification and password reset. */
  EMAIL_VERIFICATION_TTL_HOURS: z.coerce.number().min(0.1).max(720).default(24),
  PASSWORD_RESET_TTL_MINUTES: z.coerce.number().min(1).max(1440).default(60),
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
    nextAuthUrl: platform.dashboardUrl,
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
    mail: platform.mail,
    emailLinks: {
      requireVerification: env.REQUIRE_EMAIL_VERIFICATION,
      verifyTtlMs: env.EMAIL_VERIFICATION_TTL_HOURS * 3_600_000,
      resetTtlMs: env.PASSWORD_RESET_TTL_MINUTES * 60_000,
    },
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
