import path from "node:path";
import { z } from "zod";
import { loadOrCreateSecrets, type PlatformSecrets } from "./secrets";

const BYTE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** "256MiB" → bytes. */
export const byteSize = z
  .string()
  .regex(/^\d+(B|KiB|MiB|GiB)$/, "must be a size such as 256MiB")
  .transform((v) => {
    const [, n, unit] = /^(\d+)(\w+)$/.exec(v) ?? [];
    return Number(n) * (BYTE_UNITS[unit ?? "B"] ?? 1);
  });

/** "true"/"1" or "false"/"0". */
export const envBool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

/** Where outgoing mail goes: `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://…:465`. */
const smtpUrl = z.url().refine((v) => /^smtps?:\/\/[^/]/.test(v), "must be an smtp:// or smtps:// URL such as smtp://user:pass@mail.example.com:587");

/** Variables both the web app and the orchestrator read; each adds its own on top. */
export const platformEnvSchema = z.object({
  DATA_DIR: z.string().min(1).default(".data"),
  TURSO_DATABASE_URL: z.string().min(1).optional(),
  TURSO_AUTH_TOKEN: z.string().min(1).optional(),
  BASE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, "must be a host name such as example.com or localhost")
    .default("localhost"),
  GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** Public origin of the gateway when it differs from the defaults (see lib/instance-url.ts). */
  PUBLIC_GATEWAY_URL: z.url().optional(),
  ORCHESTRATOR_PORT: z.coerce.number().int().min(1).max(65535).default(8079),
  ORCHESTRATOR_TOKEN: z.string().min(32, "must be at least 32 characters").optional(),
  ENCRYPTION_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be 64 hex characters (32 bytes)")
    .optional(),
  /** Proxies in front of the dashboard and gateway that append to X-Forwarded-For (lib/client-ip.ts). */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The dashboard's public origin: next-auth's, and the base of every link in a mail (both processes send mail). */
  NEXTAUTH_URL: z.url().default("http://localhost:3000"),
  /** Outgoing mail (sign-up verification, password reset, instance notices); unset: mails are written to the log. */
  SMTP_URL: smtpUrl.optional(),
  /** The sender of platform mail; default `PicoBase <no-reply@BASE_DOMAIN>`. */
  MAIL_FROM: z.string().trim().min(3).max(320).optional(),
  /** Largest deploy bundle, unpacked and as uploaded: the dashboard refuses a larger declared upload at once, the orchestrator checks every byte. */
  DEPLOY_MAX_SIZE: byteSize.default(50 * 1024 * 1024),
});

export type PlatformEnv = z.infer<typeof platformEnvSchema>;

/** Parses `schema` from `source`, failing with one line per bad variable. */
export function parseEnv<T extends z.ZodTypeAny>(schema: T, source: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
}

/**
 * Resolves embedded defaults: data folder, `file:` control DB, generated secrets. The generated
 * secrets file is read (or created) only for a secret the environment does not set, so a process
 * given all of them (the dashboard as its own unprivileged user, docs/deploy.md) never touches DATA_DIR.
 */
export function resolvePlatform(env: PlatformEnv) {
  const dataDir = path.resolve(env.DATA_DIR);
  let generated: PlatformSecrets | undefined;
  const secrets = (): PlatformSecrets => (generated ??= loadOrCreateSecrets(dataDir));
  return {
    dataDir,
    db: {
      url: env.TURSO_DATABASE_URL ?? `file:${path.join(dataDir, "control.db")}`,
      authToken: env.TURSO_AUTH_TOKEN,
    },
    orchestratorToken: env.ORCHESTRATOR_TOKEN ?? secrets().orchestratorToken,
    encryptionKey: env.ENCRYPTION_KEY ?? secrets().encryptionKey,
    /** The generated session-signing secret, for a dashboard without NEXTAUTH_SECRET. */
    generatedNextAuthSecret: () => secrets().nextAuthSecret,
    trustedProxyHops: env.TRUSTED_PROXY_HOPS,
    deployMaxBytes: env.DEPLOY_MAX_SIZE,
    dashboardUrl: env.NEXTAUTH_URL,
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM ?? `PicoBase <no-reply@${env.BASE_DOMAIN.toLowerCase()}>` },
  };
}
