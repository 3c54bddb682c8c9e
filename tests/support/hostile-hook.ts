import fs from "node:fs";
import path from "node:path";
import type { GatewayClient } from "./gateway-client";

/**
 * A tenant hook that runs any shell script it is sent (`POST /x/sh`, JSON `{script}`), as hostile
 * tenant code can: the output ends with `exit=<code>`. Installed in a stopped instance's pb_hooks.
 */
export const SHELL_HOOK = [
  ["POST", "e.requestInfo().body.script"],
  // DELETE passes the gateway's quota check, so a full disk can still be cleaned up.
  ["DELETE", 'e.request.url.query().get("script")'],
]
  // Each handler runs in its own JS VM (PocketBase does not share top-level code), so it is inlined.
  .map(
    ([method, script]) => `routerAdd("${method}", "/x/sh", (e) => {
  try {
    const out = $os.cmd("/bin/sh", "-c", ${script} + " 2>&1; echo exit=$?").output();
    return e.string(200, toString(out));
  } catch (err) {
    return e.string(200, "hook error: " + err);
  }
});
`,
  )
  .join("");

/** Writes the shell hook into the tenant folder of a stopped instance (as its owner will see it). */
export function installShellHook(tenantDir: string): void {
  fs.writeFileSync(path.join(tenantDir, "pb_hooks", "hostile.pb.js"), SHELL_HOOK);
}

/** Runs `script` in the tenant through the gateway; resolves with its output and exit code. */
export async function tenantShell(
  client: GatewayClient,
  subdomain: string,
  script: string,
  method: "POST" | "DELETE" = "POST",
): Promise<{ out: string; code: number }> {
  const res =
    method === "POST"
      ? await client.fetch(client.url(subdomain, "/x/sh"), { method, headers: { "content-type": "application/json" }, body: JSON.stringify({ script }) })
      : await client.fetch(client.url(subdomain, `/x/sh?script=${encodeURIComponent(script)}`), { method });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`shell hook answered ${res.status}: ${text}`);
  const match = /exit=(\d+)\s*$/.exec(text);
  if (!match) throw new Error(`shell hook failed: ${text}`);
  return { out: text.slice(0, match.index), code: Number(match[1]) };
}
