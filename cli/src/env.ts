import os from "node:os";
import path from "node:path";

/** What the CLI takes from its environment, read once in main.ts (nothing else reads process.env). */
export type CliEnv = {
  /** `PICOBASE_URL`: the dashboard, overriding the saved login. */
  url: string | undefined;
  /** `PICOBASE_TOKEN`: an account token, overriding the saved login. */
  token: string | undefined;
  /** `PICOBASE_INSTANCE`: the default for `--instance`. */
  instance: string | undefined;
  /** Where the config folder lives: `$XDG_CONFIG_HOME/picobase` or `~/.config/picobase`. */
  configDir: string;
  /** `NO_COLOR` is set or `TERM=dumb`: never color, even on a terminal. */
  noColor: boolean;
  /** A graphical session a browser can open in (always true on macOS and Windows). */
  hasDisplay: boolean;
  /** `PICOBASE_DEBUG`: print a failure's stack and causes, not only its message. */
  debug: boolean;
};

type RawEnv = Record<string, string | undefined>;

/** Reads the CLI's environment variables; empty values count as unset. */
export function readCliEnv(env: RawEnv, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): CliEnv {
  const get = (name: string) => (env[name]?.trim() ? env[name]?.trim() : undefined);
  return {
    url: get("PICOBASE_URL"),
    token: get("PICOBASE_TOKEN"),
    instance: get("PICOBASE_INSTANCE"),
    configDir: configDirOf(get("XDG_CONFIG_HOME"), get("HOME") ?? home),
    noColor: get("NO_COLOR") !== undefined || env.TERM === "dumb",
    hasDisplay: platform === "darwin" || platform === "win32" || get("DISPLAY") !== undefined || get("WAYLAND_DISPLAY") !== undefined,
    debug: get("PICOBASE_DEBUG") !== undefined,
  };
}

/** The XDG base-directory rule: a relative `XDG_CONFIG_HOME` is ignored. */
function configDirOf(xdgConfigHome: string | undefined, home: string): string {
  const base = xdgConfigHome && path.isAbsolute(xdgConfigHome) ? xdgConfigHome : path.join(home, ".config");
  return path.join(base, "picobase");
}
