// `npm run bench`: every benchmark in turn, each printing its own figures (see docs/benchmarks.md).
import { execFileSync } from "node:child_process";

const benches = ["wake.ts", "replication.ts", "stop-upload.ts", "density.ts", "gateway-overhead.ts", "gateway-apikey.ts", "dashboard.ts", "cluster.ts"];
for (const bench of benches) {
  console.log(`\n######## bench/${bench}`);
  execFileSync("node", ["--import", "tsx", `bench/${bench}`], { stdio: "inherit" });
}
