import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import { tools } from "./tools";
import { waitForHttp } from "./wait";

/** A real libSQL server (sqld) on a temp directory, for the remote control-DB code path. */
export async function startSqld(): Promise<{ url: string; dispose: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-sqld-"));
  const port = await getPort();
  const child = execa(tools.sqld, ["--db-path", path.join(dir, "data.sqld"), "--http-listen-addr", `127.0.0.1:${port}`], {
    reject: false,
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`);
  return {
    url,
    dispose: async () => {
      child.kill("SIGTERM");
      await child;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
