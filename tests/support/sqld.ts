import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import getPort from "get-port";
import { tools } from "./tools";
import { waitForHttp } from "./wait";

/** A real libSQL server (sqld) on a temp directory, restartable on the same port and data (an outage). */
export type Sqld = { url: string; stop: () => Promise<void>; restart: () => Promise<void>; dispose: () => Promise<void> };

/** Starts sqld, for the remote control-DB code path. */
export async function startSqld(): Promise<Sqld> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-sqld-"));
  const port = await getPort();
  const url = `http://127.0.0.1:${port}`;
  let child: ResultPromise | undefined;
  const start = async () => {
    child = execa(tools.sqld, ["--db-path", path.join(dir, "data.sqld"), "--http-listen-addr", `127.0.0.1:${port}`], { reject: false, stdio: "ignore" });
    await waitForHttp(`${url}/health`);
  };
  const stop = async () => {
    child?.kill("SIGKILL");
    await child;
    child = undefined;
  };
  await start();
  return {
    url,
    stop,
    restart: start,
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
