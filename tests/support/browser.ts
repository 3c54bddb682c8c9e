import { chromium, type Browser } from "playwright-core";
import { tools } from "./tools";

/** Headless Chromium as every browser test runs it: no sandbox (root in CI), GPU, QUIC or background traffic. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: tools.chromium,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
