import { describe, expect, it } from "vitest";
import { readOrchestratorEvents, type OrchestratorMessage } from "./orchestrator-client";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<OrchestratorMessage[]> {
  const out: OrchestratorMessage[] = [];
  for await (const m of readOrchestratorEvents(streamOf(chunks))) out.push(m);
  return out;
}

describe("readOrchestratorEvents", () => {
  it("parses instance, instance-event and instance-deleted messages split across chunks, skipping others", async () => {
    const instance = { id: "i1", ownerId: "u1", status: "running" };
    const event = { id: 7, instanceId: "i1", type: "started", message: "Running.", createdAt: "2030-01-01T00:00:00.000Z" };
    const text = [
      "event: ready\ndata: {}\n\n",
      ": keep-alive\n\n",
      `event: instance\ndata: ${JSON.stringify({ instance })}\n\n`,
      `event: instance-event\r\ndata: ${JSON.stringify({ event })}\r\n\r\n`,
      "event: something-new\ndata: {\"x\":1}\n\n",
      'event: instance-deleted\ndata: {"id":"i1"}\n\n',
    ].join("");
    const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
    expect(await collect(chunks)).toEqual([
      { type: "instance", instance },
      { type: "instance-event", event },
      { type: "instance-deleted", id: "i1" },
    ]);
  });

  it("ignores an unterminated trailing message", async () => {
    expect(await collect(['event: instance\ndata: {"instance":{"id":"x"}}\n'])).toEqual([]);
  });
});
