import { Hono } from "hono";
import type { RuntimeMonitor } from "../tools/runtime-metrics";

/** `GET /v1/runtime[?reset=1]`: the orchestrator's event-loop delay and memory (behind the API token). */
export function runtimeApi({ monitor }: { monitor: RuntimeMonitor }) {
  return new Hono().get("/", (c) => c.json(monitor.read(c.req.query("reset") === "1")));
}
