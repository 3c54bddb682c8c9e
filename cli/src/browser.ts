import { spawn } from "node:child_process";

/** The platform's "open this URL" command; rundll32 on Windows, as `start` would parse `&` in URLs. */
function openerOf(platform: NodeJS.Platform, url: string): [string, string[]] {
  if (platform === "darwin") return ["open", [url]];
  if (platform === "win32") return ["rundll32", ["url.dll,FileProtocolHandler", url]];
  return ["xdg-open", [url]];
}

/** Opens a URL in the default browser, detached; resolves with the reason when it could not. */
export function openBrowser(url: string, platform: NodeJS.Platform): Promise<{ opened: true } | { opened: false; reason: string }> {
  const [command, args] = openerOf(platform, url);
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: "ignore" });
    child.once("error", (err) => resolve({ opened: false, reason: `${command}: ${err.message}` }));
    child.once("spawn", () => {
      child.unref();
      resolve({ opened: true });
    });
  });
}
