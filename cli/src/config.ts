import fs from "node:fs/promises";
import path from "node:path";
import { CliError } from "./errors";
import type { CliEnv } from "./env";

/** What `picobase login` saves: the dashboard and an account token. */
export type SavedLogin = { url: string; token: string };

/** The credentials a command uses, and where the token came from (for the hint on a 401). */
export type Credentials = SavedLogin & { tokenFrom: "PICOBASE_TOKEN" | "login" };

const fileName = "config.json";

/** The config file's path in a config folder. */
export function configFile(dir: string): string {
  return path.join(dir, fileName);
}

/** The saved login, or null when there is none. */
export async function readLogin(dir: string): Promise<SavedLogin | null> {
  const file = configFile(dir);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = parseLogin(text);
  if (!parsed) throw new CliError(`${file} is not a valid picobase config; run \`picobase login\` again.`);
  return parsed;
}

function parseLogin(text: string): SavedLogin | null {
  try {
    const value = JSON.parse(text) as Partial<SavedLogin> | null;
    return typeof value?.url === "string" && typeof value.token === "string" ? { url: value.url, token: value.token } : null;
  } catch {
    return null; // not JSON: reported by the caller as an invalid config
  }
}

/**
 * Saves the login: the folder is made 0700 and the file written 0600 through a temporary file
 * and a rename, so no other user can read the token and a crash never leaves half a file.
 */
export async function writeLogin(dir: string, login: SavedLogin): Promise<string> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const file = configFile(dir);
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await fs.chmod(temp, 0o600);
  await fs.rename(temp, file);
  return file;
}

/** Forgets the saved login; true when there was one. */
export async function removeLogin(dir: string): Promise<boolean> {
  try {
    await fs.unlink(configFile(dir));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * The credentials to use: `PICOBASE_URL` and `PICOBASE_TOKEN` each override the saved login, so
 * CI needs no config file at all.
 */
export async function loadCredentials(env: Pick<CliEnv, "url" | "token" | "configDir">): Promise<Credentials> {
  const saved = env.url && env.token ? null : await readLogin(env.configDir);
  const url = env.url ?? saved?.url;
  const token = env.token ?? saved?.token;
  if (!url || !token) {
    throw new CliError("not logged in: run `picobase login`, or set PICOBASE_URL and PICOBASE_TOKEN.");
  }
  return { url: normalizeUrl(url), token, tokenFrom: env.token ? "PICOBASE_TOKEN" : "login" };
}

/** A dashboard URL without its trailing slash; only http and https. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CliError(`"${raw}" is not a URL: give the dashboard's address, e.g. https://picobase.example.com`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`"${raw}" is not an http(s) URL.`);
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
