import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Command } from "commander";
import type { Deploy } from "../api/types";
import { packBundle } from "../bundle/pack";
import { fileBody } from "../bundle/upload-body";
import type { CliContext } from "../context";
import { formatBytes, plural } from "../output/format";
import { uploadProgress } from "../output/progress";
import { followDeploy, timeoutOption, type FollowOptions } from "./deploy-follow";
import { instancePath, instanceSessionOf, withInstanceOption, type InstanceSession } from "./shared";

/** `picobase deploy [dir]`: pack, upload with progress, wait for health, report. */
export function registerDeploy(program: Command, ctx: CliContext): void {
  withInstanceOption(program.command("deploy [dir]"))
    .description("deploy dir's pb_hooks, pb_migrations and pb_public (default dir: .)")
    .option("--no-wait", "return once the bundle is stored, without waiting for it to go live")
    .addOption(timeoutOption())
    .addHelpText("after", "\nThe bundle is the whole code: a folder missing from dir is deployed empty.")
    .action(async (dir: string | undefined, opts: FollowOptions, cmd: Command) => {
      const session = await instanceSessionOf(ctx, cmd);
      const deploy = await withTempDir((temp) => packAndUpload(ctx, session, path.resolve(dir ?? "."), path.join(temp, "bundle.tar.gz")));
      await followDeploy(ctx, session, deploy, opts, "deploy");
    });
}

async function packAndUpload(ctx: CliContext, session: InstanceSession, dir: string, file: string): Promise<Deploy> {
  const { out, api, instance } = session;
  const { plan, sizeBytes } = await packBundle(dir, file);
  out.note(
    `Packed ${plural(plan.fileCount, "file")} (${formatBytes(plan.totalBytes)}) from ${plan.folders.join(", ")} into ${formatBytes(sizeBytes)} for ${instance.subdomain}.`,
  );
  if (plan.missing.length > 0) out.note(`No ${plan.missing.join(" or ")} in ${dir}: this deploy has none.`);
  const progress = uploadProgress(ctx.io.stderr, sizeBytes);
  try {
    const body = await fileBody(file, (sent) => progress.update(sent));
    const headers = { "content-type": "application/gzip", "content-length": String(sizeBytes) };
    const { deploy } = await api.request<{ deploy: Deploy }>("POST", instancePath(instance, "/deploys"), { body, headers });
    return deploy;
  } finally {
    progress.stop();
  }
}

async function withTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "picobase-deploy-"));
  try {
    return await use(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
