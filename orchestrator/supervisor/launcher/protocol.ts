/** Messages between the orchestrator and its launcher process (Node IPC, JSON). */

/** Orchestrator → launcher. */
export type LauncherRequest =
  | { type: "spawn"; key: number; file: string; args: string[]; env: Record<string, string>; cwd: string }
  | { type: "kill"; key: number; signal: NodeJS.Signals };

/**
 * Launcher → orchestrator. `stream`: 1 stdout, 2 stderr. "reaped": the process is gone (its pid
 * may be reused), though its output may still be open; "exit" comes once that has ended too.
 */
export type LauncherEvent =
  | { type: "spawned"; key: number; pid: number }
  | { type: "output"; key: number; stream: 1 | 2; data: string }
  | { type: "reaped"; key: number }
  | { type: "exit"; key: number; exitCode: number | null; signal: string | null; error?: string };
