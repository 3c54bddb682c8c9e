/**
 * Mounting a tenant's volume on a crowded node: the time to mount an existing image and unmount
 * it again with no other loop device attached, then with `--others` (500) attached, as a node
 * with that many running tenants has. Measured for the volumes module (losetup, then mount of
 * the device) and, as the comparison, for `mount -o loop`, which util-linux precedes with a read
 * of every loop device on the host. Target: the module's ratio (crowded ÷ empty) stays near 1.
 * Needs root; attaches and frees its own loop devices on sparse images in a temporary folder.
 *
 *   npx tsx bench/volume-mount.ts [--others 500] [--rounds 20]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { createVolumes } from "../orchestrator/sandbox/volumes";
import { tenantPaths } from "../orchestrator/tenant/paths";
import { summarize } from "./stats";

const { values: args } = parseArgs({ options: { others: { type: "string", default: "500" }, rounds: { type: "string", default: "20" } } });
const others = Math.min(Number(args.others), 2000);
const rounds = Math.min(Number(args.rounds), 200);
const MIB = 1024 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-bench-volumes-"));
const volumes = createVolumes();
const paths = tenantPaths(dir, "measured");
const attached: string[] = [];

async function timed(mountOnce: () => Promise<void>, unmountOnce: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await mountOnce();
    samples.push(performance.now() - t0);
    await unmountOnce();
  }
  return samples;
}

/** Both ways of mounting, alternated per round so both see the same machine load. */
async function measure(label: string): Promise<{ module: number; mountLoop: number }> {
  const viaModule = await timed(
    () => volumes.ensure(paths, 16 * MIB),
    () => volumes.unmount(paths),
  );
  const viaMountLoop = await timed(
    () => execa("mount", ["-o", "loop,nosuid,nodev,noatime,nosymfollow", paths.volumeImage, paths.volume]).then(() => undefined),
    () => execa("umount", [paths.volume]).then(() => undefined),
  );
  return {
    module: summarize(`${label}: volumes module`, viaModule).p50,
    mountLoop: summarize(`${label}: mount -o loop`, viaMountLoop).p50,
  };
}

try {
  await volumes.ensure(paths, 16 * MIB); // the image, made once
  await volumes.unmount(paths);
  console.log(
    `load ${os.loadavg()[0]?.toFixed(2)}; loop devices attached before: ${(await execa("losetup", ["--list", "--noheadings"])).stdout.split("\n").filter(Boolean).length}`,
  );
  const empty = await measure("no other loop device");
  for (let i = 0; i < others; i++) {
    const image = path.join(dir, `other-${i}.img`);
    fs.writeFileSync(image, "");
    fs.truncateSync(image, 2 * MIB);
    attached.push((await execa("losetup", ["--find", "--show", image])).stdout.trim());
  }
  const crowded = await measure(`${others} others attached`);
  console.log(
    `ratio crowded/empty p50: volumes module ${(crowded.module / empty.module).toFixed(2)}x, mount -o loop ${(crowded.mountLoop / empty.mountLoop).toFixed(2)}x (target: module near 1x)`,
  );
  console.log(`crowded: volumes module ÷ mount -o loop p50 ${(crowded.module / crowded.mountLoop).toFixed(2)}x; load ${os.loadavg()[0]?.toFixed(2)}`);
} finally {
  await volumes.unmount(paths).catch(() => undefined);
  for (const device of attached) await execa("losetup", ["--detach", device], { reject: false });
  fs.rmSync(dir, { recursive: true, force: true });
}
