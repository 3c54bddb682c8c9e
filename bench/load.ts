// Load generation shared by the benchmarks: autocannon (programmatic API) with per-response
// latencies in float ms (its own histogram has 1 ms resolution).
import fs from "node:fs";
import { createRequire } from "node:module";

type AutocannonResult = { requests: { average: number }; errors: number; non2xx: number };
type AutocannonInstance = PromiseLike<AutocannonResult> & {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
type AutocannonOptions = {
  url: string;
  connections: number;
  pipelining: number;
  duration: number;
  headers?: Record<string, string> | undefined;
  overallRate?: number | undefined;
};
type Autocannon = (opts: AutocannonOptions) => AutocannonInstance;

/** Loaded lazily so processes that never generate load never load it. autocannon ships no types; this is the part of its documented API used here. */
const loadAutocannon = (): Autocannon => createRequire(import.meta.url)("autocannon") as Autocannon;

/** `rate` caps the requests per second over all connections (unset: as fast as the server answers). */
export type Load = { url: string; connections: number; duration: number; headers?: Record<string, string>; rate?: number };
export type Measured = { rps: number; p50: number; p99: number; failed: number };

/** Runs one autocannon load (keep-alive, pipelining 1) and measures 200 responses. */
export async function runAutocannon(load: Load): Promise<Measured> {
  const latencies: number[] = [];
  const instance = loadAutocannon()({
    url: load.url,
    connections: load.connections,
    pipelining: 1,
    duration: load.duration,
    headers: load.headers,
    overallRate: load.rate,
  });
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { rps: result.requests.average, p50: at(0.5), p99: at(0.99), failed: result.errors + result.non2xx };
}

/** Median of a list (mean of the middle two for even lengths). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** `--name=value` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
