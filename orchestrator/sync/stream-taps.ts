import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";

/** A pass-through stream that counts the bytes flowing through it and, optionally, hashes them (sha256). */
export class MeasuringTap extends Transform {
  bytes = 0;
  readonly #hash: Hash | null;

  constructor(options: { hash: boolean }) {
    super();
    this.#hash = options.hash ? createHash("sha256") : null;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.#hash?.update(chunk);
    callback(null, chunk);
  }

  /** Hex sha256 of everything that passed; call once the stream has ended. */
  digest(): string {
    if (!this.#hash) throw new Error("MeasuringTap was created without hashing");
    return this.#hash.digest("hex");
  }
}
