// How the orchestrator's Node process is started: scripts/start.ts and the tests' harness use this
// list, and deploy/systemd/picobase-orchestrator.service and package.json spell the same line
// (node-args.test.ts keeps them equal).

/**
 * `--max-semi-space-size=16` (MB): Node 22 and 24 size V8's young generation from the machine's
 * memory, up to 64 MB semi-spaces on a 24 GB host, and an orchestrator that allocates in bursts
 * (every tenant start) keeps that memory resident: 285 MB for an empty orchestrator on Node 24
 * against 175 MB with 16 MB, Node 20's fixed size (docs/benchmarks.md, 1,000 idle tenants).
 */
export const ORCHESTRATOR_NODE_ARGS = ["--max-semi-space-size=16", "--import", "tsx", "orchestrator/main.ts"] as const;
