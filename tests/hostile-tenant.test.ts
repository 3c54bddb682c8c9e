import { execFileSync } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net, { type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { sandboxScope } from "../orchestrator/config";
import { tenantsGroup } from "../orchestrator/sandbox/cgroups";
import { createGatewayClient, type GatewayClient } from "./support/gateway-client";
import { installShellHook, tenantShell } from "./support/hostile-hook";
import { startOrchestrator, type OrchestratorHandle } from "./support/orchestrator";
import { waitFor } from "./support/wait";

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn("SKIPPED: the hostile-tenant suite needs root (the sandbox does); CI runs as root");

/** A process's command line, or "" when it exited meanwhile. */
function readCmdline(pid: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch (err) {
    if (["ENOENT", "ESRCH"].includes((err as NodeJS.ErrnoException).code ?? "")) return "";
    throw err;
  }
}

const QUOTA_MIB = 48;

type Row = { tenantUid: number | null; port: number | null; status: string };

// Tenants run arbitrary JavaScript; here a hook gives the "attacker" a shell inside its instance.
describe.runIf(isRoot)("hostile tenant (sandboxed, orchestrator as root)", () => {
  let orch: OrchestratorHandle;
  let client: GatewayClient;
  let evil: string;
  let victim: string;
  const sh = (script: string, sub = "evil") => tenantShell(client, sub, script);
  const row = async (id: string) => (await orch.db.query.instances.findFirst({ where: (i, { eq }) => eq(i.id, id) })) as Row;

  beforeAll(async () => {
    orch = await startOrchestrator({
      env: {
        TENANT_ISOLATION: "sandbox",
        // On every address, as in production: the firewall, not the bind address, must keep tenants out.
        GATEWAY_HOST: "0.0.0.0",
        TENANT_TMP_SIZE: "16MiB",
        TENANT_MEMORY_MAX: "160MiB",
        TENANT_PIDS_MAX: "48",
        TENANT_DISK_QUOTA: `${QUOTA_MIB}MiB`,
        IDLE_TIMEOUT_MINUTES: "0",
      },
    });
    client = createGatewayClient({ port: orch.gatewayPort });
    victim = await orch.createInstance("victim");
    evil = await orch.createInstance("evil");
    for (const id of [victim, evil]) {
      await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
      await orch.api("POST", `/v1/instances/${id}/stop?wait=1`);
      installShellHook(orch.tenantDir(id));
      const started = await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
      expect(started.body.instance?.status).toBe("running");
    }
  });
  afterAll(async () => {
    await client?.close();
    await orch?.dispose();
  });

  it("runs as its own unprivileged uid with no capabilities", async () => {
    const { out } = await sh("id -u; grep -E '^Cap(Eff|Prm|Bnd)' /proc/self/status; grep NoNewPrivs /proc/self/status");
    const [uid] = out.trim().split("\n");
    expect(Number(uid)).toBe((await row(evil)).tenantUid);
    expect(Number(uid)).toBeGreaterThanOrEqual(200_000);
    expect(out).toMatch(/CapEff:\s+0+\n/);
    expect(out).toMatch(/CapBnd:\s+0+\n/);
    expect(out).toMatch(/NoNewPrivs:\s+1/);
  });

  it("sees only its own processes", async () => {
    const { out } = await sh("ls /proc | grep -E '^[0-9]+$' | wc -l; cat /proc/1/cmdline | tr '\\0' ' '");
    const [count] = out.trim().split("\n");
    expect(Number(count)).toBeLessThan(10); // bwrap's init, PocketBase, this shell and its pipes
    expect(out).not.toContain("orchestrator");
  });

  it("sees none of the platform's files, other tenants' files or the host's /etc", async () => {
    const targets = [
      path.join(orch.dataDir, "secrets.json"),
      path.join(orch.dataDir, "control.db"),
      path.join(orch.dataDir, "storage"),
      orch.tenantDir(victim),
      `/proc/${orch.pid}/environ`,
      "/etc/shadow",
      "/root",
      "/sys/fs/cgroup",
    ];
    for (const target of targets) {
      const { code } = await sh(`test -e '${target}'`);
      expect(code, target).not.toBe(0);
    }
    const { out } = await sh("ls /etc; cat /etc/passwd");
    expect(
      out
        .split("\n")
        .filter((l) => /^[a-z]/.test(l))
        .slice(0, 7)
        .sort(),
    ).toEqual(expect.arrayContaining(["group", "hosts", "nsswitch.conf", "passwd", "resolv.conf", "ssl"]));
    expect(out).not.toMatch(/^\w+:x:0:0:.*\/bin\/(ba)?sh$/m); // no host accounts with shells
    expect((await sh("cat /pb/pb_data/data.db | head -c 16")).out).toContain("SQLite format 3");
  });

  /** Connects from inside the evil tenant with perl (perl-base is in every Debian userland); "open" or the error. */
  const connect = async (host: string, port: number) =>
    (
      await sh(
        `perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(PeerAddr => "${host}", PeerPort => ${port}, Timeout => 2); print $s ? "open" : "closed: $!"'`,
      )
    ).out;
  /** A tenant's network namespace. */
  const namespaceOf = (id: string) => {
    const ns = execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
      .split("\n")
      .find((l) => l.includes(id))
      ?.split(" ")[0];
    if (!ns) throw new Error(`no network namespace for ${id}`);
    return ns;
  };
  /** The address a tenant's PocketBase listens on, read from its network namespace. */
  const addressOf = (id: string) => {
    const out = execFileSync("ip", ["-n", namespaceOf(id), "-4", "-o", "addr", "show", "eth0"], { encoding: "utf8" });
    return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)?.[1] as string;
  };

  // The kernel's neighbour table is shared by every namespace and holds 1,024 learned entries by
  // default: at 1,000 tenants, learned entries made 50 of them unreachable (EHOSTUNREACH).
  it("learns no neighbour by ARP on either side of its veth (rules inspected)", () => {
    const ns = namespaceOf(evil);
    const tenantSide = execFileSync("ip", ["-n", ns, "-4", "neigh", "show", "dev", "eth0"], { encoding: "utf8" }).trim();
    const hostIp = /via (\S+)/.exec(execFileSync("ip", ["-n", ns, "-4", "route", "show", "default"], { encoding: "utf8" }))?.[1] as string;
    expect(tenantSide).toMatch(new RegExp(`^${hostIp.replaceAll(".", "\\.")} lladdr \\S+ PERMANENT$`));
    const hostSide = execFileSync("ip", ["-4", "neigh", "show", addressOf(evil)], { encoding: "utf8" }).trim();
    expect(hostSide).toMatch(/ lladdr \S+ PERMANENT$/);
  });

  it("reaches its own PocketBase but no host service, neighbour or platform port", async () => {
    const hostService = net.createServer((socket) => socket.end("secret\n")).listen(0, "0.0.0.0"); // like a service bound to every address
    await once(hostService, "listening");
    try {
      const servicePort = (hostService.address() as AddressInfo).port;
      const gatewayHostSide = (await sh("ip -4 route show default")).out.match(/via (\S+)/)?.[1] as string;
      expect(gatewayHostSide).toMatch(/^10\./);
      expect(await connect("127.0.0.1", 8090)).toBe("open"); // its own loopback: the probe works
      for (const [host, port] of [
        ["127.0.0.1", orch.gatewayPort], // host loopback services: gateway, internal API, sqld, S3 …
        ["127.0.0.1", Number(orch.env.ORCHESTRATOR_PORT)],
        ["127.0.0.1", servicePort],
        [gatewayHostSide, orch.gatewayPort], // the host through the tenant's own veth
        [gatewayHostSide, servicePort],
        [gatewayHostSide, Number(orch.env.ORCHESTRATOR_PORT)],
        [addressOf(victim), 8090], // another tenant directly, skipping the gateway
      ] as const) {
        expect(await connect(host, port), `${host}:${port}`).toMatch(/^closed/);
      }
    } finally {
      hostService.close();
    }
  });

  it("cannot take another tenant's address or the platform's ports", async () => {
    const victimIp = addressOf(victim);
    const bind = (
      await sh(
        `perl -MIO::Socket::INET -e '$s = IO::Socket::INET->new(LocalAddr => "${victimIp}", LocalPort => 8090, Listen => 1); print $s ? "bound" : "refused: $!"'`,
      )
    ).out;
    expect(bind).toMatch(/^refused: Cannot assign requested address/);
    // Squatting every port it can see only touches its own namespace: the victim restarts on its own.
    await sh(
      "perl -MIO::Socket::INET -e 'for my $p (8091..8400) { push @s, IO::Socket::INET->new(LocalPort => $p, Listen => 1) } sleep 20' > /dev/null 2>&1 &",
    );
    await orch.api("POST", `/v1/instances/${victim}/stop?wait=1`);
    const restarted = await orch.api("POST", `/v1/instances/${victim}/start?wait=1`);
    expect(restarted.body.instance?.status).toBe("running");
    expect((await client.fetch(client.url("victim", "/api/health"))).status).toBe(200);
  });

  it("keeps its tenants' addresses: another orchestrator given the same subnet refuses to start, saying why", async () => {
    // Before, it started, and each of its tenants' health checks reached the first one's veth until the start timed out.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-orch-"));
    try {
      await expect(startOrchestrator({ dataDir, env: { TENANT_SUBNET: orch.env.TENANT_SUBNET! } })).rejects.toThrow(
        /TENANT_SUBNET 10\.\d+\.\d+\.0\/20 is already in use on this host \(10\.\d+\.\d+\.\d+\/30 on pb\w+/,
      );
      // Nor does it leave its cgroup folders behind (one per controller on v1, wherever its own cgroup is).
      const group = tenantsGroup(sandboxScope(dataDir));
      expect(execFileSync("find", ["/sys/fs/cgroup", "-maxdepth", "6", "-type", "d", "-name", group], { encoding: "utf8" })).toBe("");
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("is blocked from metadata and private ranges by the installed firewall (rules inspected, no traffic sent)", async () => {
    const table = `picobase_${sandboxScope(orch.dataDir)}`; // named per data folder
    const rules = execFileSync("nft", ["list", "table", "inet", table], { encoding: "utf8" });
    for (const range of ["169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "fc00::/7", "fe80::/10"]) {
      expect(rules).toContain(range);
    }
    expect(rules).toMatch(/iifname "pb\w+\*" oifname "pb\w+\*" drop/); // tenant to tenant
    expect(rules).toMatch(/chain input[\s\S]*iifname "pb\w+\*" drop/); // tenant to host
    expect(rules).toContain("masquerade");
  });

  it("cannot point the platform's root-run readers (Litestream) at another tenant's database with a symlink", async () => {
    // Litestream runs as root and opens each tenant's data.db (and its -wal) by path.
    const victimDb = path.join(orch.tenantDir(victim), "pb_data", "data.db");
    const made = await sh(`ln -s ${victimDb} /pb/pb_data/stolen.db && ln -s /etc/shadow /pb/pb_data/shadow && echo linked`);
    expect(made.out).toContain("linked");
    for (const name of ["stolen.db", "shadow"]) {
      const link = path.join(orch.tenantDir(evil), "pb_data", name);
      expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
      let code: string | undefined;
      try {
        fs.closeSync(fs.openSync(link, "r"));
      } catch (err) {
        code = (err as NodeJS.ErrnoException).code;
      }
      expect(code, `root followed ${name}`).toBe("ELOOP");
    }
    await tenantShell(client, "evil", "rm -f /pb/pb_data/stolen.db /pb/pb_data/shadow", "DELETE");
  });

  it("has a size-bounded /tmp and a disk quota the kernel enforces; writes through the gateway get 507 at the quota", async () => {
    expect((await sh("dd if=/dev/zero of=/tmp/fill bs=1M count=64")).out).toMatch(/No space left on device/);
    const write = () =>
      client.fetch(client.url("evil", "/api/collections/users/records"), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    try {
      expect((await sh("dd if=/dev/zero of=/pb/pb_data/fill bs=1M count=200")).out).toMatch(/No space left on device/);
      const image = fs.statSync(path.join(orch.tenantRoot(evil), "volume.img"));
      expect(image.blocks * 512).toBeLessThanOrEqual((QUOTA_MIB + 4) * 1.1 * 1024 * 1024); // quota + headroom, nothing beyond on the host
      const full = await waitFor("507 on writes", async () => {
        const res = await write();
        return res.status === 507 ? res : undefined;
      });
      expect(((await full.json()) as { error: { code: string } }).error.code).toBe("quota_exceeded");
      expect((await client.fetch(client.url("evil", "/api/health"))).status).toBe(200); // reads still work
    } finally {
      await tenantShell(client, "evil", "rm -f /pb/pb_data/fill", "DELETE");
    }
    await waitFor("writes accepted again", async () => ((await write()).status !== 507 ? true : undefined));
  });

  it("is stopped at the pids limit by a fork bomb, and the neighbour keeps answering", async () => {
    const { out } = await sh(
      `perl -e 'my $n = 0; for (1..200) { my $p = fork(); last unless defined $p; if ($p == 0) { sleep 3; exit 0 } $n++ } print "forked=$n\\n"'`,
    );
    const forked = Number(/forked=(\d+)/.exec(out)?.[1]);
    expect(forked).toBeGreaterThan(0);
    expect(forked).toBeLessThan(48); // the rest of the 200 were refused
    expect((await client.fetch(client.url("victim", "/api/health"))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3_500)); // let the sleeps end
  });

  it("is OOM-killed at its memory limit and restarted, with the reason in its events, while the neighbour keeps answering", async () => {
    // A child process past the limit is killed by the kernel; PocketBase itself goes on.
    const child = await sh(`perl -e '$x = "a" x (400 * 1024 * 1024); print "survived\\n"'`);
    expect(child.out).not.toContain("survived");
    expect(child.code).not.toBe(0);
    expect((await client.fetch(client.url("evil", "/api/health"))).status).toBe(200);
    fs.writeFileSync(
      path.join(orch.tenantDir(evil), "pb_hooks/bomb.pb.js"),
      'routerAdd("GET", "/x/bomb", (e) => { const hog = []; for (;;) hog.push("x".repeat(1 << 20) + hog.length); });\n',
    );
    await orch.api("POST", `/v1/instances/${evil}/stop?wait=1`);
    await orch.api("POST", `/v1/instances/${evil}/start?wait=1`);
    const bomb = await client.fetch(client.url("evil", "/x/bomb")).catch((err: unknown) => err);
    expect(bomb instanceof Response ? bomb.status : 502).toBeGreaterThanOrEqual(500);
    expect((await client.fetch(client.url("victim", "/api/health"))).status).toBe(200);
    await waitFor("out-of-memory event", async () => {
      const events = await orch.db.query.instanceEvents.findMany({ where: (e, { eq }) => eq(e.instanceId, evil) });
      return events.some((e) => /ran out of memory/.test(e.message)) ? true : undefined;
    });
    await waitFor("evil restarted", async () => ((await client.fetch(client.url("evil", "/api/health"))).status === 200 ? true : undefined));
  });

  it("leaves no process behind when its instance stops or is deleted", async () => {
    const uid = (await row(evil)).tenantUid as number;
    const tenantPids = () => fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p) && fs.statSync(`/proc/${p}`, { throwIfNoEntry: false })?.uid === uid);
    await sh("setsid sh -c 'sleep 1000' > /dev/null 2>&1 < /dev/null &");
    expect(tenantPids().length).toBeGreaterThan(1); // PocketBase and the daemon
    const before = (await orch.db.query.instances.findFirst({ where: (i, { eq }) => eq(i.id, evil) }))?.generation ?? 0;
    const stopped = await orch.api("POST", `/v1/instances/${evil}/stop?wait=1`);
    // The stop's snapshot (sqlite3 inside the sandbox, no network) was stored.
    expect(stopped.body.instance).toMatchObject({ status: "stopped" });
    expect(stopped.body.instance?.generation).toBeGreaterThan(before);
    expect(tenantPids()).toEqual([]);
    await orch.api("POST", `/v1/instances/${evil}/start?wait=1`);
    await sh("setsid sh -c 'sleep 1000' > /dev/null 2>&1 < /dev/null &");
    expect((await orch.api("DELETE", `/v1/instances/${evil}`)).status).toBe(204);
    expect(tenantPids()).toEqual([]);
    expect(fs.existsSync(orch.tenantRoot(evil))).toBe(false);
  });

  it("gets an operator's per-instance limits at its next start", async () => {
    const set = await orch.api("PUT", `/v1/instances/${victim}/limits`, { pids: 40, memoryBytes: 128 * 1024 * 1024 });
    expect(set.body.instance?.resourceLimits).toEqual({ pids: 40, memoryBytes: 128 * 1024 * 1024 });
    await orch.api("POST", `/v1/instances/${victim}/stop?wait=1`);
    await orch.api("POST", `/v1/instances/${victim}/start?wait=1`);
    const v2 = fs.existsSync("/sys/fs/cgroup/cgroup.controllers");
    const own = (controller: string) => new RegExp(`^\\d+:${controller}:(.*)$`, "m").exec(fs.readFileSync(`/proc/${orch.pid}/cgroup`, "utf8"))?.[1] ?? "/";
    const file = (controller: string, name: string) =>
      fs
        .readFileSync(
          path.join("/sys/fs/cgroup", v2 ? "" : controller, own(v2 ? "" : controller), tenantsGroup(sandboxScope(orch.dataDir)), victim, name),
          "utf8",
        )
        .trim();
    expect(file("pids", "pids.max")).toBe("40");
    expect(file("memory", v2 ? "memory.max" : "memory.limit_in_bytes")).toBe(String(128 * 1024 * 1024));
    const row = await orch.db.query.instances.findFirst({ where: (i, { eq }) => eq(i.id, victim) });
    expect(row?.diskQuotaBytes).toBe(QUOTA_MIB * 1024 * 1024); // the quota in force, shown in the dashboard
    expect(row?.diskUsedBytes).toBeGreaterThan(0);
  });

  it("never shows a platform superuser password on any command line", async () => {
    const seen = new Set<string>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
          const cmdline = readCmdline(pid);
          if (cmdline) seen.add(cmdline);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const id = await orch.createInstance("fresh");
    await orch.api("POST", `/v1/instances/${id}/start?wait=1`);
    polling = false;
    await poll;
    const { password } = await orch.superuser(id);
    expect(seen.size).toBeGreaterThan(10); // the poller really saw the processes start
    expect([...seen].filter((c) => c.includes(password))).toEqual([]);
  });
});

describe.runIf(isRoot)("sandbox shutdown", () => {
  it("leaves no tenant cgroup, network namespace or mounted volume behind after a graceful stop", async () => {
    const orch = await startOrchestrator({ env: { TENANT_ISOLATION: "sandbox", IDLE_TIMEOUT_MINUTES: "0" } });
    try {
      const id = await orch.createInstance("leaves-nothing");
      expect((await orch.api("POST", `/v1/instances/${id}/start?wait=1`)).body.instance?.status).toBe("running");
      const own = (controller: string) => new RegExp(`^\\d+:${controller}:(.*)$`, "m").exec(fs.readFileSync(`/proc/${orch.pid}/cgroup`, "utf8"))?.[1] ?? "/";
      const v2 = fs.existsSync("/sys/fs/cgroup/cgroup.controllers");
      const folders = (v2 ? [""] : ["memory", "pids", "cpu"]).map((c) => path.join("/sys/fs/cgroup", c, own(c), tenantsGroup(sandboxScope(orch.dataDir)), id));
      expect(folders.every((f) => fs.existsSync(f))).toBe(true);
      await orch.kill("SIGTERM");
      expect(folders.filter((f) => fs.existsSync(f))).toEqual([]);
      expect(folders.map(path.dirname).filter((f) => fs.existsSync(f))).toEqual([]); // and this orchestrator's folder of them
      expect(execFileSync("ip", ["netns", "list"], { encoding: "utf8" })).not.toContain(id);
      expect(fs.readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(orch.tenantRoot(id));
      const image = path.join(orch.tenantRoot(id), "volume.img");
      await vi.waitFor(() => expect(execFileSync("losetup", ["--associated", image], { encoding: "utf8" })).toBe(""), { timeout: 5_000 }); // its loop device is freed
    } finally {
      await orch.dispose();
    }
  });
});
