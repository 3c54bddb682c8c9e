// Dashboard benchmark: the production web build against the real orchestrator.
// Latency of the platform API and page renders as a signed-in user with 5 instances, and
// requests/s of the two hot reads (instance list by session, status by API key) at concurrency 8.
// Usage: npx tsx bench/dashboard.ts [requests=300]
import { createSignedInUser, startWebPlatform, webRequest } from "../tests/support/web";
import { summarize } from "./stats";

const requests = Number(process.argv[2] ?? 300);
const web = await startWebPlatform({ orchestratorEnv: { LOG_LEVEL: "warn" } });

/** Runs `fn` `n` times with `concurrency` in flight; returns per-call ms and overall requests/s. */
async function load(n: number, concurrency: number, fn: () => Promise<number>): Promise<{ samples: number[]; rps: number }> {
  const samples: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next += 1;
        const start = performance.now();
        const status = await fn();
        if (status >= 400) throw new Error(`request failed with ${status}`);
        samples.push(performance.now() - start);
      }
    }),
  );
  return { samples, rps: (n / (performance.now() - t0)) * 1000 };
}

try {
  const user = await createSignedInUser(web.url, "bench");
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await webRequest(web.url, "POST", "/api/instances", { cookie: user.cookie, body: { name: `Bench ${i}`, subdomain: `bench-${i}-${Date.now().toString(36)}` } });
    ids.push((res.json.instance as { id: string }).id);
  }
  const keyRes = await webRequest(web.url, "POST", `/api/instances/${ids[0]}/keys`, { cookie: user.cookie, body: { name: "bench" } });
  const key = (keyRes.json.key as { key: string }).key;
  const page = (path: string) => async () => (await fetch(`${web.url}${path}`, { headers: { cookie: user.cookie } })).status;
  const api = (path: string, opts: { cookie?: string; bearer?: string }) => async () => (await webRequest(web.url, "GET", path, opts)).status;

  // Warm up route compilation caches.
  for (const fn of [page("/dashboard"), page(`/dashboard/instances/${ids[0]}`), api("/api/instances", { cookie: user.cookie })]) await fn();

  console.log(`\nSequential (n=${Math.min(requests, 100)}):`);
  for (const [label, fn] of [
    ["GET /dashboard (SSR, 5 instances)", page("/dashboard")],
    ["GET /dashboard/instances/:id (SSR)", page(`/dashboard/instances/${ids[0]}`)],
    ["GET /api/instances (session)", api("/api/instances", { cookie: user.cookie })],
    ["GET /api/instances/:id (API key)", api(`/api/instances/${ids[0]}`, { bearer: key })],
  ] as const) {
    summarize(label, (await load(Math.min(requests, 100), 1, fn)).samples);
  }

  console.log(`\nConcurrency 8 (n=${requests}):`);
  for (const [label, fn] of [
    ["GET /api/instances (session)", api("/api/instances", { cookie: user.cookie })],
    ["GET /api/instances/:id (API key)", api(`/api/instances/${ids[0]}`, { bearer: key })],
  ] as const) {
    const { samples, rps } = await load(requests, 8, fn);
    summarize(label, samples);
    console.log(`${"".padEnd(40)} ${rps.toFixed(0)} requests/s`);
  }
} finally {
  await web.dispose();
}
