import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadWebConfig } from "./env";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-env-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("loadWebConfig", () => {
  it("fills embedded defaults from the data directory", () => {
    const config = loadWebConfig({ DATA_DIR: dir, ORCHESTRATOR_PORT: "9001" });
    const secrets = JSON.parse(fs.readFileSync(path.join(dir, "secrets.json"), "utf8")) as Record<string, string>;
    expect(config).toMatchObject({
      nextAuthUrl: "http://localhost:3000",
      nextAuthSecret: secrets.nextAuthSecret,
      orchestratorUrl: "http://127.0.0.1:9001",
      orchestratorToken: secrets.orchestratorToken,
      instanceQuota: 5,
      trustedProxyHops: 0,
      db: { url: `file:${path.join(dir, "control.db")}` },
      publicUrl: { baseDomain: "localhost", gatewayPort: 8080 },
    });
  });

  it("takes explicit values", () => {
    const config = loadWebConfig({
      DATA_DIR: dir,
      NEXTAUTH_SECRET: "s".repeat(32),
      ORCHESTRATOR_URL: "http://orch.internal:7000",
      INSTANCE_QUOTA: "12",
      BASE_DOMAIN: "picobase.dev",
      TRUSTED_PROXY_HOPS: "1",
    });
    expect(config).toMatchObject({ nextAuthSecret: "s".repeat(32), orchestratorUrl: "http://orch.internal:7000", instanceQuota: 12, trustedProxyHops: 1 });
    expect(config.publicUrl.baseDomain).toBe("picobase.dev");
  });

  it("never touches DATA_DIR when every secret is set (a dashboard running as its own user)", () => {
    const unreadable = path.join(dir, "not-mine");
    const config = loadWebConfig({
      DATA_DIR: unreadable,
      TURSO_DATABASE_URL: "http://127.0.0.1:8081",
      NEXTAUTH_SECRET: "n".repeat(32),
      ORCHESTRATOR_TOKEN: "o".repeat(32),
      ENCRYPTION_KEY: "e".repeat(64),
    });
    expect(config).toMatchObject({ nextAuthSecret: "n".repeat(32), orchestratorToken: "o".repeat(32), encryptionKey: "e".repeat(64) });
    expect(fs.existsSync(unreadable)).toBe(false);
  });

  it("fails naming each bad variable", () => {
    expect(() => loadWebConfig({ DATA_DIR: dir, INSTANCE_QUOTA: "lots", NEXTAUTH_URL: "not a url" })).toThrow(
      /INSTANCE_QUOTA[\s\S]*NEXTAUTH_URL|NEXTAUTH_URL[\s\S]*INSTANCE_QUOTA/,
    );
  });

  it("mail: written to the log by default, from no-reply@BASE_DOMAIN; an SMTP URL must be smtp:// or smtps://", () => {
    expect(loadWebConfig({ DATA_DIR: dir, BASE_DOMAIN: "picobase.dev" })).toMatchObject({
      mail: { smtpUrl: undefined, from: "PicoBase <no-reply@picobase.dev>" },
      emailLinks: { requireVerification: false, verifyTtlMs: 24 * 3_600_000, resetTtlMs: 60 * 60_000 },
    });
    const config = loadWebConfig({
      DATA_DIR: dir,
      SMTP_URL: "smtps://u:p@mail.example.com:465",
      MAIL_FROM: "Ops <ops@example.com>",
      REQUIRE_EMAIL_VERIFICATION: "1",
    });
    expect(config).toMatchObject({
      mail: { smtpUrl: "smtps://u:p@mail.example.com:465", from: "Ops <ops@example.com>" },
      emailLinks: { requireVerification: true },
    });
    const badUrl = () => loadWebConfig({ DATA_DIR: dir, SMTP_URL: "https://u:topsecret@mail.example.com" });
    expect(badUrl).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(badUrl).not.toThrow(/topsecret/); // the message names the variable, never its value
  });
});
