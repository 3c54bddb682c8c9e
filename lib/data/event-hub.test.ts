import { describe, expect, it } from "vitest";
import { createEventHub, type HubSubscriber } from "./event-hub";

/** A stand-in upstream: a byte stream the test writes SSE text into. */
function upstream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const opened: AbortSignal[] = [];
  return {
    opened,
    open: async (signal: AbortSignal) => {
      opened.push(signal);
      signal.addEventListener("abort", () => controller.error(new Error("aborted")));
      return body;
    },
    send: (event: string, data: unknown) => controller.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
    close: () => controller.close(),
  };
}

function recorder() {
  const log: string[] = [];
  const s: HubSubscriber = { ready: () => log.push("ready"), message: (m) => log.push(m.type), end: (err) => log.push(err ? "end:error" : "end") };
  return { log, s };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("createEventHub", () => {
  it("shares one upstream among subscribers and closes it when the last leaves", async () => {
    const up = upstream();
    const hub = createEventHub(up.open);
    const a = recorder();
    const b = recorder();
    const offA = hub.subscribe(a.s);
    await tick();
    const offB = hub.subscribe(b.s);
    expect(up.opened).toHaveLength(1);
    up.send("instance-deleted", { id: "x" });
    await tick();
    expect(a.log).toEqual(["ready", "instance-deleted"]);
    expect(b.log).toEqual(["ready", "instance-deleted"]);
    offA();
    expect(up.opened[0]?.aborted).toBe(false);
    offB();
    expect(up.opened[0]?.aborted).toBe(true);
    await tick();
    expect(b.log).toEqual(["ready", "instance-deleted"]);
    expect(hub.subscriberCount()).toBe(0);
  });

  it("ends every subscriber when the upstream ends, and reconnects for the next one", async () => {
    const first = upstream();
    const second = upstream();
    let calls = 0;
    const hub = createEventHub((signal) => (calls++ === 0 ? first.open(signal) : second.open(signal)));
    const a = recorder();
    hub.subscribe(a.s);
    await tick();
    first.close();
    await tick();
    expect(a.log).toEqual(["ready", "end"]);
    const b = recorder();
    hub.subscribe(b.s);
    await tick();
    expect(b.log).toEqual(["ready"]);
    expect(calls).toBe(2);
  });

  it("ends subscribers with the error when the upstream cannot be opened", async () => {
    const hub = createEventHub(async () => {
      throw new Error("connection refused");
    });
    const a = recorder();
    hub.subscribe(a.s);
    await tick();
    expect(a.log).toEqual(["end:error"]);
  });
});
