import type { Logger } from "../logger";
import { openSandbox, type Sandbox, type SandboxConfig } from "./create-sandbox";

/** How tenants are contained: auto (sandbox when root), sandbox (required), off. */
export type IsolationMode = "auto" | "sandbox" | "off";

/**
 * Opens the tenant sandbox as the mode asks. A root orchestrator never runs tenants unsandboxed
 * by accident: `auto` as root fails with the reason instead (tenants would run as root); only
 * `off` allows that, loudly. Not root, `auto` runs tenants as the orchestrator's own user.
 */
export async function resolveSandbox(mode: IsolationMode, config: SandboxConfig, log: Logger): Promise<Sandbox | undefined> {
  const isRoot = process.getuid?.() === 0;
  if (mode === "off") {
    if (isRoot) log.warn("TENANT_ISOLATION=off as root: tenants run as root with no sandbox; any tenant hook can take over this host");
    return undefined;
  }
  if (mode === "auto" && !isRoot) {
    log.warn("not running as root: tenants run as the orchestrator's own user with no sandbox (they can read what it can read)");
    return undefined;
  }
  const sandbox = await openSandbox(config, log);
  if (typeof sandbox !== "string") return sandbox;
  throw new Error(
    `The tenant sandbox is not available: ${sandbox}. Install the system packages (npm install does as root: bubblewrap, nftables, iproute2), or set TENANT_ISOLATION=off to run tenants without one (unsafe).`,
  );
}
