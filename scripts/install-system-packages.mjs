#!/usr/bin/env node
// The host tools the orchestrator's tenant sandbox runs (see docs/architecture.md, "Tenant
// containment"): bubblewrap, nftables, iproute2 and util-linux (setpriv, nsenter), plus sqlite3
// (snapshots read a tenant's database as the tenant) and e2fsprogs. Installed by `npm install`
// when running as root on Debian; elsewhere it says what to install. Never fails the install:
// without these the orchestrator refuses to run tenants as root and says why.
import { ensureDebianPackages, SANDBOX_PACKAGES } from "./lib/debian-packages.mjs";

if (process.env.PICOBASE_SKIP_SYSTEM_PACKAGES !== "1") {
  try {
    ensureDebianPackages(SANDBOX_PACKAGES, {
      tag: "system-packages",
      why: "the tenant sandbox",
    });
  } catch (err) {
    console.warn(`[system-packages] could not install the sandbox tools: ${err instanceof Error ? err.message : String(err)}`);
  }
}
