// At rest with many registered instances: the orchestrator's CPU per minute with 10,000 stopped
// instances of 1,000 users in the control DB (its reconciler, idle stopper, snapshot and domain
// loops running at their production intervals), against the same orchestrator with none, measured
// in the same run. Target: bounded, i.e. close to the empty baseline (O(changed), not O(all)).
// Usage: npx tsx bench/at-rest.ts [--users=1000] [--per-user=10] [--seconds=60]
import os from "node:os";
import { startOrchestrator } from "../tests/support/orchestrator";
import { seedDashboard } from "./dashboard-seed";
import { arg, cpuSeconds } from "./load";

const users = Number(arg("users", "1000"));
const perUser = Number(arg("per-user", "10"));
const seconds = Number(arg("seconds", "60"));

/** CPU ms per minute of an orchestrator holding `registered` stopped instances, after a settling pause. */
async function cpuPerMinute(label: string, seed: boolean): Promise<number> {
  const orch = await startOrchestrator({ env: { LOG_LEVEL: "warn" } });
  try {
    if (seed) {
      const ownerId = await orch.createUser();
      const seeded = await seedDashboard(orch.db, { ownerId, label: "rest", owned: 0, otherUsers: users, othersPerUser: perUser, batch: 500 });
      console.log(`${label}: seeded ${seeded.instances} instances of ${seeded.users} users`);
    }
    await new Promise((r) => setTimeout(r, 20_000)); // boot and seeding settle; the reconciler has run its passes
    const before = cpuSeconds(orch.pid);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const perMinute = ((cpuSeconds(orch.pid) - before) * 1000 * 60) / seconds;
    console.log(`${label.padEnd(40)} ${perMinute.toFixed(0)} ms CPU per minute (load ${os.loadavg()[0]?.toFixed(2)})`);
    return perMinute;
  } finally {
    await orch.dispose();
  }
}

const empty = await cpuPerMinute("baseline: no instances", false);
const full = await cpuPerMinute(`${users * perUser} registered, all stopped`, true);
console.log(`ratio registered / empty: ${(full / empty).toFixed(2)}x`);
