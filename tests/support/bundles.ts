import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { createGzip, gzipSync } from "node:zlib";
import * as tar from "tar-stream";
import yazl from "yazl";

/** One archive entry of a hand-made bundle; hostile kinds and names included. */
export type BundleEntrySpec = {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "fifo";
  body?: string | Buffer;
  mode?: number;
  linkname?: string;
};

/** A tar.gz of `entries`, in order. */
export async function tarGz(entries: BundleEntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const type = e.type ?? "file";
    if (type === "file") pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.body ?? "");
    else pack.entry({ name: e.name, type, linkname: e.linkname });
  }
  pack.finalize();
  return buffer((pack as unknown as Readable).pipe(createGzip()));
}

/** A tar.gz of plain files: `{ "pb_hooks/main.pb.js": "…" }`. */
export function tarGzFiles(files: Record<string, string>): Promise<Buffer> {
  return tarGz(Object.entries(files).map(([name, body]) => ({ name, body })));
}

/** A zip of `entries`; names yazl refuses to write (hostile ones) are patched into the bytes afterwards. */
export async function zip(entries: BundleEntrySpec[]): Promise<Buffer> {
  const file = new yazl.ZipFile();
  const patches: Array<[string, string]> = [];
  entries.forEach((e, i) => {
    const hostile = e.name.startsWith("/") || e.name.includes("..") || e.name.includes("\\");
    const name = hostile ? `pb_hooks/${String(i).padStart(e.name.length - 9, "Q")}` : e.name;
    if (hostile) patches.push([name, e.name]);
    if (e.type === "directory") file.addEmptyDirectory(name);
    else if (e.type === "symlink") file.addBuffer(Buffer.from(e.linkname ?? ""), name, { mode: 0o120777 });
    else file.addBuffer(Buffer.from(e.body ?? ""), name, { mode: 0o100000 | (e.mode ?? 0o644) });
  });
  file.end();
  let bytes = await buffer(file.outputStream);
  for (const [from, to] of patches) bytes = Buffer.from(bytes.toString("latin1").replaceAll(from, to), "latin1");
  return bytes;
}

/** A tar.gz with one file of `size` zero bytes: a decompression bomb (1 GiB packs to about 1 MB). */
export async function zeroBomb(size: number): Promise<Buffer> {
  const pack = tar.pack();
  const entry = pack.entry({ name: "pb_public/zeros.bin", size }) as unknown as NodeJS.WritableStream; // a streamx writable
  const chunk = Buffer.alloc(1024 * 1024);
  const gz = buffer((pack as unknown as Readable).pipe(createGzip({ level: 9 })));
  for (let written = 0; written < size; written += chunk.length) {
    const part = written + chunk.length <= size ? chunk : chunk.subarray(0, size - written);
    if (!entry.write(part)) await new Promise<void>((resolve) => entry.once("drain", () => resolve()));
  }
  entry.end();
  pack.finalize();
  return gz;
}

/**
 * A tar.gz holding `count` one-byte files `pb_public/f<i>.txt`. Packing 100,000 entries one by
 * one takes seconds, so one packed entry is copied with its name (and header checksum) patched.
 */
export async function manyFiles(count: number): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: "pb_public/f.txt", mtime: new Date(0) }, "x");
  pack.finalize();
  const template = (await buffer(pack as unknown as Readable)).subarray(0, 1024); // header + one data block
  const blocks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const entry = Buffer.from(template);
    entry.fill(0, 0, 100);
    entry.write(`pb_public/f${i}.txt`, 0, "ascii");
    entry.fill(0x20, 148, 156); // checksum field counts as spaces while summing
    let sum = 0;
    for (let b = 0; b < 512; b++) sum += entry[b]!;
    entry.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    blocks.push(entry);
  }
  blocks.push(Buffer.alloc(1024)); // end of archive
  return gzipSync(Buffer.concat(blocks), { level: 1 });
}
