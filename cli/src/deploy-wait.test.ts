import { describe, expect, it } from "vitest";
import type { Deploy, DeployStatus } from "./api/types";
import { deployOutcome, waitForDeploy } from "./deploy-wait";
import { deployFixture, instanceFixture } from "./testing/fixtures";

/** Deps whose deploy goes through `statuses` one poll at a time, on a fake clock. */
function scripted(statuses: DeployStatus[], meantToRun = true) {
  let clock = 0;
  const seen: DeployStatus[] = [];
  const queue = [...statuses];
  return {
    seen,
    deps: {
      getDeploy: async (): Promise<Deploy> => deployFixture({ status: queue.length > 1 ? queue.shift()! : queue[0]! }),
      instanceMeantToRun: async () => meantToRun,
      onChange: (d: Deploy) => seen.push(d.status),
      sleep: async (ms: number) => void (clock += ms),
      now: () => clock,
      timeoutMs: 10_000,
    },
  };
}

describe("waitForDeploy", () => {
  it("waits through pending and deploying on a running instance until live", async () => {
    const { deps, seen } = scripted(["pending", "deploying", "deploying", "live"]);
    expect((await waitForDeploy(deployFixture({ status: "pending" }), deps)).status).toBe("live");
    expect(seen).toEqual(["deploying", "live"]);
  });

  it("stops at pending when the instance is not meant to run", async () => {
    const { deps } = scripted(["live"], false);
    expect((await waitForDeploy(deployFixture({ status: "pending" }), deps)).status).toBe("pending");
  });

  it.each(["live", "failed", "superseded", "rolled_back"] as const)("returns a %s deploy at once", async (status) => {
    const { deps } = scripted(["deploying"]);
    expect((await waitForDeploy(deployFixture({ status }), deps)).status).toBe(status);
  });

  it("gives up after the timeout with a hint", async () => {
    const { deps } = scripted(["deploying"]);
    await expect(waitForDeploy(deployFixture({ status: "deploying" }), deps)).rejects.toThrow(
      "deploy #3 is still deploying after 10 s; `picobase deploys list` shows how it ends.",
    );
  });
});

describe("deployOutcome", () => {
  const instance = instanceFixture({ subdomain: "shop", url: "https://shop.example.com" });

  it.each([
    { status: "live", verb: "deploy", ok: true, text: "Deploy #3 is live at https://shop.example.com" },
    { status: "live", verb: "rollback", ok: true, text: "Deploy #3 is live again at https://shop.example.com" },
    {
      status: "pending",
      verb: "deploy",
      ok: true,
      text: "Deploy #3 is stored; shop is stopped, so it applies at its next start (`picobase instances start shop`).",
    },
    { status: "superseded", verb: "deploy", ok: true, text: "Deploy #3 was replaced by a later deploy." },
  ] as const)("$status ($verb)", ({ status, verb, ok, text }) => {
    expect(deployOutcome(deployFixture({ status }), instance, verb)).toEqual({ ok, text });
  });

  it("a failed deploy is not ok and carries PocketBase's lines", () => {
    const outcome = deployOutcome(deployFixture({ status: "failed", message: "Migration failed.\nline 1\nline 2" }), instance);
    expect(outcome).toEqual({ ok: false, text: "Deploy #3 failed; the previous version and its data are back.\nMigration failed.\nline 1\nline 2" });
  });
});
