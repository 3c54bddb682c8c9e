import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import * as tar from "tar-stream";
import { CliError } from "../errors";
import { planBundle, type BundlePlan, type PlannedEntry } from "./plan";

/** Every entry's time and owner are fixed, so the same tree packs to the same bytes anywhere. */
const fixedHeader = { mtime: new Date(0), uid: 0, gid: 0, uname: "", gname: "" };

/**
 * Packs `dir`'s bundle folders into a tar.gz at `file`, streaming (files are never read into
 * memory whole). Returns the plan and the bundle's size.
 */
export async function packBundle(dir: string, file: string): Promise<{ plan: BundlePlan; sizeBytes: number }> {
  const plan = await planBundle(dir);
  const pack = tar.pack();
  const written = pipeline(pack as AsyncIterable<Uint8Array>, createGzip(), fs.createWriteStream(file, { mode: 0o600 }));
  try {
    // Settles at the first failure of either side (a file that cannot be read, a full disk).
    await Promise.all([addEntries(pack, plan.entries), written.catch((err: Error) => Promise.reject(writeError(file, err)))]);
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  return { plan, sizeBytes: (await fs.promises.stat(file)).size };
}

async function addEntries(pack: tar.Pack, entries: PlannedEntry[]): Promise<void> {
  for (const entry of entries) await addEntry(pack, entry);
  pack.finalize();
}

async function addEntry(pack: tar.Pack, entry: PlannedEntry): Promise<void> {
  const header =
    entry.type === "directory"
      ? { ...fixedHeader, name: entry.name, type: "directory" as const, mode: 0o755 }
      : { ...fixedHeader, name: entry.name, type: "file" as const, mode: 0o644, size: entry.size };
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(entryError(entry.name, err));
    const sink = pack.entry(header, (err) => (err ? fail(err) : resolve()));
    sink.on("error", fail);
    if (entry.type === "file") copyInto(entry.source, sink).catch((err: unknown) => sink.destroy(err as Error));
  });
}

/** Writes a file into a tar entry, honoring backpressure. */
async function copyInto(source: string, sink: ReturnType<tar.Pack["entry"]>): Promise<void> {
  for await (const chunk of fs.createReadStream(source)) {
    if (!sink.write(chunk as Buffer)) await new Promise<void>((resolve) => sink.once("drain", () => resolve()));
  }
  sink.end(undefined); // streamx's typings require an argument; undefined writes nothing more
}

function entryError(name: string, err: Error): CliError {
  const reason = /size mismatch/i.test(err.message) ? "it changed while it was being packed; try again" : err.message;
  return new CliError(`cannot pack ${name}: ${reason}.`, { cause: err });
}

function writeError(file: string, err: Error): CliError {
  return new CliError(`cannot write the bundle to ${file}: ${err.message}`, { cause: err });
}
