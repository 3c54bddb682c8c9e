import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { BusMessage, EventBus } from "../instances/event-bus";
import type { EventRelay } from "../cluster/event-relay";
import { eventJson, instanceJson } from "../../lib/instance-json";
import type { OrchestratorMessage } from "../../lib/orchestrator-client";

/** A change as the stream carries it (the same shapes whether it happened here or on another node). */
function fromBus(m: BusMessage): { event: string; data: string } {
  const data =
    m.type === "instance"
      ? JSON.stringify({ instance: instanceJson(m.instance) })
      : m.type === "instance-deleted"
        ? JSON.stringify({ id: m.id })
        : JSON.stringify({ event: eventJson(m.event) });
  return { event: m.type, data };
}

function fromPeer(m: OrchestratorMessage): { event: string; data: string } {
  const data = m.type === "instance" ? { instance: m.instance } : m.type === "instance-deleted" ? { id: m.id } : { event: m.event };
  return { event: m.type, data: JSON.stringify(data) };
}

/**
 * `GET /v1/events`: Server-Sent Events of instance changes and lifecycle events, of every node
 * (this one's and, through `relay`, the others'); `?scope=node` streams this node's own only.
 */
export function eventsApi({ bus, relay, keepAliveMs = 15_000 }: { bus: EventBus; relay?: EventRelay; keepAliveMs?: number }) {
  return new Hono().get("/", (c) =>
    streamSSE(c, async (stream) => {
      const unsubscribe = [bus.subscribe((m) => void stream.writeSSE(fromBus(m)))];
      if (relay && c.req.query("scope") !== "node") unsubscribe.push(relay.subscribe((m) => void stream.writeSSE(fromPeer(m))));
      const stop = () => unsubscribe.splice(0).forEach((u) => u());
      stream.onAbort(stop);
      await stream.writeSSE({ event: "ready", data: "{}" });
      while (!stream.aborted) {
        await stream.sleep(keepAliveMs);
        if (!stream.aborted) await stream.write(": keep-alive\n\n");
      }
      stop();
    }),
  );
}
