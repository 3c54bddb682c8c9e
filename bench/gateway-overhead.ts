/**
 * Gateway overhead: one real PocketBase with ~100 public records, loaded by autocannon
 * (keep-alive, pipelining 1) straight on PocketBase and through the gateway (Host header set),
 * alternating direct/gateway per round. The gateway runs in its own Node process (as in the
 * orchestrator), so it never shares an event loop with the load generator.
 *
 *   npx tsx bench/gateway-overhead.ts [--connections=50,1] [--duration=10] [--rounds=3] [--wrk=no] [--gomaxprocs=N] [--profile=DIR]
 *                                     [--forwarders=http-proxy,undici,tcp-relay] [--cpu-rate=400]
 *
 * Three processes run side by side: the product's gateway (undici upstream), the same gateway on
 * the old http-proxy path, and a bare TCP relay with no gateway at all (both in bench/baseline/),
 * so all are measured against direct in the same run. The relay parses nothing, so its ratio is
 * the floor of any Node process on the path: what a gateway could reach here at best.
 *
 * When `wrk` (Debian package) is installed the same runs are repeated with it (a C load generator,
 * to rule out autocannon's own CPU use as the cause of a gap; on the 2-core box both agree).
 * `--gomaxprocs=N` sets PocketBase's GOMAXPROCS; the default 1 matches the platform's default per
 * tenant (TENANT_GOMAXPROCS), `0` leaves Go's default (every core), where the gateway's CPU competes
 * with PocketBase's spinning scheduler threads on a 2-core host.
 * `--profile=DIR` writes a V8 CPU profile of the gateway process (open it in Chrome DevTools).
 * Each gateway line also reports its CPU µs and read/write syscalls per request (from /proc).
 *
 * Latency percentiles are computed from autocannon's per-response times (float ms) because its
 * own histogram has 1 ms resolution. Targets: gateway/direct throughput ≥ 0.85, ≤ 1 ms added p50.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import getPort from "get-port";
import { EMAIL, PASSWORD, startGatewayChild, startPocketBase, SUBDOMAIN, type ForwarderName } from "./gateway-fixture";
import { arg, cpuSeconds, median, runAutocannon, type Load, type Measured } from "./load";

async function seed(base: string): Promise<string> {
  const post = async (route: string, body: unknown, token?: string) => {
    const res = await fetch(`${base}${route}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: token } : {}) },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { token?: string };
  };
  const { token } = await post("/api/collections/_superusers/auth-with-password", { identity: EMAIL, password: PASSWORD });
  const fields = [
    { name: "title", type: "text" },
    { name: "body", type: "text" },
    { name: "score", type: "number" },
  ];
  await post("/api/collections", { name: "items", type: "base", listRule: "", viewRule: "", fields }, token);
  for (let i = 0; i < 100; i++) {
    await post("/api/collections/items/records", { title: `Item ${i}`, body: "lorem ipsum ".repeat(8), score: i }, token);
  }
  return "/api/collections/items/records?perPage=20";
}

/** Read and write syscalls a process has made so far (/proc/<pid>/io): a noise-free cost measure. */
function syscalls(pid: number | undefined): { reads: number; writes: number } {
  if (pid === undefined) return { reads: 0, writes: 0 };
  const io = fs.readFileSync(`/proc/${pid}/io`, "utf8");
  return { reads: Number(/syscr: (\d+)/.exec(io)?.[1]), writes: Number(/syscw: (\d+)/.exec(io)?.[1]) };
}

type Sample = Measured & { pocketbaseCpuUsPerReq: number; idlePercent: number; gatewayCpuUsPerReq?: number; gatewaySyscallsPerReq?: string };
type Tool = (load: Load) => Promise<Measured>;

/** wrk (C, one thread): far less CPU than autocannon for the same load, leaving more to the proxy path. */
async function runWrk(load: Load): Promise<Measured> {
  const hostHeader = Object.entries(load.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const { stdout } = await execa("wrk", ["-t1", `-c${load.connections}`, `-d${load.duration}s`, "--latency", ...hostHeader, load.url]);
  const percentile = (pct: number) => {
    const match = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s)$`, "m").exec(stdout);
    const unit = match?.[2] === "us" ? 0.001 : match?.[2] === "s" ? 1000 : 1;
    return Number(match?.[1] ?? NaN) * unit;
  };
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout)?.slice(1).map(Number) ?? [];
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]),
    p50: percentile(50),
    p99: percentile(99),
    failed: non2xx + errors.reduce((a, b) => a + b, 0),
  };
}

/** Machine-wide idle and busy CPU ticks, from the first line of /proc/stat. */
function machineTicks(): { idle: number; total: number } {
  const values = (fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  return { idle: (values[3] ?? 0) + (values[4] ?? 0), total: values.reduce((a, b) => a + b, 0) };
}

type Pids = { pocketbase: number | undefined; gateway?: number | undefined };

async function measure(tool: Tool, load: Load, pids: Pids): Promise<Sample> {
  const before = { gw: cpuSeconds(pids.gateway), pb: cpuSeconds(pids.pocketbase), io: syscalls(pids.gateway), machine: machineTicks() };
  const measured = await tool(load);
  const requests = measured.rps * load.duration;
  const machine = machineTicks();
  const perReq = (seconds: number) => (seconds * 1e6) / requests;
  const sample: Sample = {
    ...measured,
    pocketbaseCpuUsPerReq: perReq(cpuSeconds(pids.pocketbase) - before.pb),
    idlePercent: (100 * (machine.idle - before.machine.idle)) / (machine.total - before.machine.total),
  };
  if (pids.gateway === undefined) return sample;
  const io = syscalls(pids.gateway);
  sample.gatewayCpuUsPerReq = perReq(cpuSeconds(pids.gateway) - before.gw);
  sample.gatewaySyscallsPerReq = `${((io.reads - before.io.reads) / requests).toFixed(2)} reads + ${((io.writes - before.io.writes) / requests).toFixed(2)} writes`;
  return sample;
}

const fmt = (s: Sample) =>
  `${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50.toFixed(2).padStart(6)} ms  p99 ${s.p99.toFixed(2).padStart(6)} ms` +
  `  [CPU/req: PocketBase ${s.pocketbaseCpuUsPerReq.toFixed(0)} µs` +
  (s.gatewayCpuUsPerReq !== undefined ? `, gateway ${s.gatewayCpuUsPerReq.toFixed(0)} µs (${s.gatewaySyscallsPerReq})` : "") +
  `; machine idle ${s.idlePercent.toFixed(0)}%]` +
  (s.failed ? `  FAILED ${s.failed}` : "");

type Gateway = { name: ForwarderName; url: string; pid: number | undefined };
type Target = { direct: string; pocketbasePid: number | undefined; host: string; gateways: Gateway[] };

/**
 * Runs direct and each gateway in turn, rotating the order per round so slow drift (neighbours on
 * the machine) favours none, and returns a one-line summary of the medians with the ratios the
 * targets name: throughput and added p50 against direct, gateway CPU per request against the old
 * http-proxy path.
 */
type Level = { connections: number; rate?: number };

async function runLevel(toolName: string, tool: Tool, { connections, rate }: Level, rounds: number, duration: number, t: Target): Promise<string> {
  const paced = rate ? ` at ${rate} req/s` : "";
  console.log(`\n== ${toolName}, ${connections} connection(s)${paced}, ${duration} s per run, ${rounds} rounds ==`);
  const modes = ["direct", ...t.gateways.map((g) => g.name)];
  const samples = new Map<string, Sample[]>(modes.map((m) => [m, []]));
  for (let round = 1; round <= rounds; round++) {
    const shift = (round - 1) % modes.length;
    for (const mode of [...modes.slice(shift), ...modes.slice(0, shift)]) {
      const gateway = t.gateways.find((g) => g.name === mode);
      const sample = gateway
        ? await measure(
            tool,
            { url: gateway.url, connections, duration, rate, headers: { host: t.host } },
            { pocketbase: t.pocketbasePid, gateway: gateway.pid },
          )
        : await measure(tool, { url: t.direct, connections, duration, rate }, { pocketbase: t.pocketbasePid });
      samples.get(mode)!.push(sample);
      console.log(`round ${round} ${mode.padEnd(10)} ${fmt(sample)}`);
    }
  }
  const m = (mode: string, key: keyof Measured) => median(samples.get(mode)!.map((s) => s[key]));
  const cpu = (mode: string) => median(samples.get(mode)!.map((s) => s.gatewayCpuUsPerReq ?? NaN));
  const parts = [
    `${toolName.padEnd(10)} c=${String(connections).padEnd(3)}${paced} direct ${m("direct", "rps").toFixed(0)} req/s p50 ${m("direct", "p50").toFixed(2)}`,
  ];
  for (const { name } of t.gateways) {
    parts.push(
      `${name} ${m(name, "rps").toFixed(0)} req/s ratio ${(m(name, "rps") / m("direct", "rps")).toFixed(3)} ` +
        `added p50 ${(m(name, "p50") - m("direct", "p50")).toFixed(2)} ms CPU ${cpu(name).toFixed(0)} µs/req`,
    );
  }
  if (t.gateways.some((g) => g.name === "undici") && t.gateways.some((g) => g.name === "http-proxy"))
    parts.push(`CPU/req undici/http-proxy ${(cpu("undici") / cpu("http-proxy")).toFixed(2)}`);
  const line = parts.join(" | ");
  console.log(line);
  return line;
}

async function main(): Promise<void> {
  const levels: Level[] = arg("connections", "50,1")
    .split(",")
    .map((c) => ({ connections: Number(c) }));
  // CPU per request compared at one fixed rate: at full speed each path's throughput differs, and
  // with it how many requests share one wake-up of the process (which changes the cost per request).
  const cpuRate = Number(arg("cpu-rate", "400"));
  if (cpuRate > 0) levels.unshift({ connections: 10, rate: cpuRate });
  const duration = Number(arg("duration", "10"));
  const rounds = Number(arg("rounds", "3"));
  const tools: Array<[string, Tool]> = [["autocannon", runAutocannon]];
  const hasWrk = !(await execa("which", ["wrk"], { reject: false })).failed;
  if (hasWrk && arg("wrk", "yes") !== "no") tools.push(["wrk", runWrk]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-bench-"));
  const pbPort = await getPort();
  const { proc: pb } = await startPocketBase(dir, pbPort);
  const children: ResultPromise[] = [pb];
  try {
    const route = await seed(`http://127.0.0.1:${pbPort}`);
    const profileDir = arg("profile", "") || undefined;
    const gateways: Gateway[] = [];
    for (const name of arg("forwarders", "http-proxy,undici,tcp-relay").split(",") as ForwarderName[]) {
      const gw = await startGatewayChild(pbPort, { forwarder: name, profileDir: profileDir ? path.resolve(profileDir, name) : undefined });
      children.push(gw.proc);
      gateways.push({ name, url: `http://127.0.0.1:${gw.port}${route}`, pid: gw.proc.pid });
    }
    // Any port works in Host: the gateway routes on the subdomain.
    const target: Target = { direct: `http://127.0.0.1:${pbPort}${route}`, pocketbasePid: pb.pid, host: `${SUBDOMAIN}.localhost`, gateways };
    console.log(
      `node ${process.version}, ${os.cpus().length} CPUs shared by the load generator, the gateway and PocketBase; load average ${os.loadavg()[0]?.toFixed(2)}`,
    );
    // Warm-up: SQLite page cache, Go and V8 JITs, pooled upstream sockets.
    await measure(runAutocannon, { url: target.direct, connections: 10, duration: 2 }, { pocketbase: pb.pid });
    for (const gw of gateways)
      await measure(runAutocannon, { url: gw.url, connections: 10, duration: 2, headers: { host: target.host } }, { pocketbase: pb.pid });
    const summary: string[] = [];
    for (const [name, tool] of tools) {
      for (const level of levels) {
        if (level.rate === undefined || tool === runAutocannon) summary.push(await runLevel(name, tool, level, rounds, duration, target));
      }
    }
    console.log(
      `\n== summary (medians; targets: undici ratio ≥ 0.85 at 50 connections with --gomaxprocs=0, added p50 ≤ 0.3 ms at 1, CPU/req ≤ 0.7× http-proxy, compared at the fixed rate) ==\n${summary.join("\n")}`,
    );
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
