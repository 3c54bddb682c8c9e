import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configFile, loadCredentials, normalizeUrl, readLogin, removeLogin, writeLogin } from "./config";
import { readCliEnv } from "./env";

let home: string;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-config-"));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

const modeOf = (p: string) => fs.statSync(p).mode & 0o777;

describe("config file", () => {
  it("is written 0600 in a 0700 folder, tightening a folder that already existed", async () => {
    const dir = path.join(home, "picobase");
    fs.mkdirSync(dir, { mode: 0o755 });
    fs.chmodSync(dir, 0o755);
    const file = await writeLogin(dir, { url: "https://pb.example.com", token: "pbt_a_b" });
    expect(file).toBe(configFile(dir));
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(file)).toBe(0o600);
    expect(await readLogin(dir)).toEqual({ url: "https://pb.example.com", token: "pbt_a_b" });
    expect(fs.readdirSync(dir)).toEqual(["config.json"]);
  });

  it("creates missing parent folders", async () => {
    const dir = path.join(home, "deep", "er", "picobase");
    await writeLogin(dir, { url: "http://localhost:3000", token: "pbt_x_y" });
    expect(modeOf(dir)).toBe(0o700);
  });

  it("reads as no login when missing, and fails with the file's name when broken", async () => {
    const dir = path.join(home, "picobase");
    expect(await readLogin(dir)).toBeNull();
    fs.mkdirSync(dir);
    fs.writeFileSync(configFile(dir), "{not json");
    await expect(readLogin(dir)).rejects.toThrow(`${configFile(dir)} is not a valid picobase config; run \`picobase login\` again.`);
  });

  it("is removed by logout", async () => {
    const dir = path.join(home, "picobase");
    await writeLogin(dir, { url: "http://localhost:3000", token: "pbt_x_y" });
    expect(await removeLogin(dir)).toBe(true);
    expect(await removeLogin(dir)).toBe(false);
  });
});

describe("loadCredentials", () => {
  const saved = { url: "https://saved.example.com", token: "pbt_saved_secret" };

  it.each([
    { name: "saved login only", env: {}, expected: { url: saved.url, token: saved.token, tokenFrom: "login" } },
    {
      name: "PICOBASE_URL overrides the URL",
      env: { url: "https://ci.example.com/" },
      expected: { url: "https://ci.example.com", token: saved.token, tokenFrom: "login" },
    },
    {
      name: "PICOBASE_TOKEN overrides the token",
      env: { token: "pbt_env_secret" },
      expected: { url: saved.url, token: "pbt_env_secret", tokenFrom: "PICOBASE_TOKEN" },
    },
    {
      name: "both override everything",
      env: { url: "http://x:3000", token: "pbt_env_secret" },
      expected: { url: "http://x:3000", token: "pbt_env_secret", tokenFrom: "PICOBASE_TOKEN" },
    },
  ])("$name", async ({ env, expected }) => {
    const configDir = path.join(home, "picobase");
    await writeLogin(configDir, saved);
    expect(await loadCredentials({ configDir, url: undefined, token: undefined, ...env })).toEqual(expected);
  });

  it("needs no config file when both variables are set", async () => {
    const configDir = path.join(home, "none");
    expect(await loadCredentials({ configDir, url: "http://x:3000", token: "pbt_a_b" })).toMatchObject({ url: "http://x:3000" });
    expect(fs.existsSync(configDir)).toBe(false);
  });

  it("says how to log in when there are no credentials", async () => {
    await expect(loadCredentials({ configDir: path.join(home, "none"), url: undefined, token: "pbt_a_b" })).rejects.toThrow(
      "not logged in: run `picobase login`, or set PICOBASE_URL and PICOBASE_TOKEN.",
    );
  });
});

describe("readCliEnv", () => {
  it("puts the config under XDG_CONFIG_HOME, or ~/.config when it is unset or relative", () => {
    expect(readCliEnv({ XDG_CONFIG_HOME: "/xdg", HOME: "/home/ada" }).configDir).toBe("/xdg/picobase");
    expect(readCliEnv({ HOME: "/home/ada" }).configDir).toBe("/home/ada/.config/picobase");
    expect(readCliEnv({ XDG_CONFIG_HOME: "rel", HOME: "/home/ada" }).configDir).toBe("/home/ada/.config/picobase");
  });

  it("reads the PICOBASE_ variables, empty ones as unset", () => {
    const env = readCliEnv({ HOME: "/h", PICOBASE_URL: "http://x", PICOBASE_TOKEN: " ", PICOBASE_INSTANCE: "my-app" });
    expect(env).toMatchObject({ url: "http://x", token: undefined, instance: "my-app" });
  });

  it("knows when colors are unwanted and when a browser can open", () => {
    expect(readCliEnv({ HOME: "/h", NO_COLOR: "1" }, "linux").noColor).toBe(true);
    expect(readCliEnv({ HOME: "/h", TERM: "dumb" }, "linux").noColor).toBe(true);
    expect(readCliEnv({ HOME: "/h" }, "linux").hasDisplay).toBe(false);
    expect(readCliEnv({ HOME: "/h", DISPLAY: ":0" }, "linux").hasDisplay).toBe(true);
    expect(readCliEnv({ HOME: "/h" }, "darwin").hasDisplay).toBe(true);
  });
});

describe("normalizeUrl", () => {
  it.each([
    ["https://pb.example.com/", "https://pb.example.com"],
    ["http://localhost:3000", "http://localhost:3000"],
    [" https://example.com/picobase/ ", "https://example.com/picobase"],
  ])("%s → %s", (raw, expected) => expect(normalizeUrl(raw)).toBe(expected));

  it("refuses what is not an http(s) URL", () => {
    expect(() => normalizeUrl("pb.example.com")).toThrow('"pb.example.com" is not a URL');
    expect(() => normalizeUrl("ftp://pb.example.com")).toThrow("is not an http(s) URL");
  });
});
