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

/**
 * Passes bytes on in pieces of at least `bytes` (the last one smaller): a decompressor does one
 * round trip to its thread per piece, and an HTTP body arrives in pieces of 16-64 KB. Decompressing
 * a 10 MB database took 20 ms from 1 MB pieces against 30-55 ms from 16-64 KB ones.
 */
export class Coalescer extends Transform {
  #parts: Buffer[] = [];
  #size = 0;

  constructor(private readonly bytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#parts.push(chunk);
    this.#size += chunk.length;
    if (this.#size < this.bytes) return callback();
    callback(null, this.#take());
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.#size > 0 ? this.#take() : undefined);
  }

  #take(): Buffer {
    const piece = this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#size);
    this.#parts = [];
    this.#size = 0;
    return piece;
  }
}
