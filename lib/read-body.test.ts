import { describe, expect, it } from "vitest";
import { BadRequestError, PayloadTooLargeError } from "./errors";
import { readBodyBytes, readJsonBody } from "./read-body";

/** A POST whose body arrives in `chunks`, counting how many the reader pulled. */
function streamed(chunks: Uint8Array[], headers: Record<string, string> = {}) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = chunks[pulled];
        if (!next) return controller.close();
        pulled++;
        controller.enqueue(next);
      },
    },
    { highWaterMark: 0 },
  ); // pull only when read, so the count shows what the reader asked for
  const req = new Request("http://x/api", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  return { req, pulled: () => pulled };
}

const kb = (n: number) => new Uint8Array(n * 1024).fill(32);

describe("readBodyBytes", () => {
  it("returns a body within the limit, whole", async () => {
    const { req } = streamed([kb(1), kb(2)]);
    expect((await readBodyBytes(req, 3 * 1024)).byteLength).toBe(3 * 1024);
  });

  it("refuses a declared Content-Length over the limit without reading", async () => {
    const { req, pulled } = streamed([kb(1)], { "content-length": String(400 * 1024 * 1024) });
    await expect(readBodyBytes(req, 1024)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(pulled()).toBe(0);
  });

  it("stops reading a body without Content-Length once it passes the limit", async () => {
    const { req, pulled } = streamed(Array.from({ length: 100 }, () => kb(64)));
    await expect(readBodyBytes(req, 100 * 1024)).rejects.toMatchObject({ status: 413, code: "payload_too_large" });
    expect(pulled()).toBeLessThanOrEqual(3);
  });

  it("reads an empty body as no bytes", async () => {
    expect((await readBodyBytes(new Request("http://x/api", { method: "POST" }), 10)).byteLength).toBe(0);
  });
});

describe("readJsonBody", () => {
  it("parses JSON and answers malformed JSON with 400", async () => {
    expect(await readJsonBody(new Request("http://x", { method: "POST", body: '{"a":1}' }))).toEqual({ a: 1 });
    await expect(readJsonBody(new Request("http://x", { method: "POST", body: "{" }))).rejects.toBeInstanceOf(BadRequestError);
  });
});
