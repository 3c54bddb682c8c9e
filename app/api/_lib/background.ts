import { after } from "next/server";

/**
 * Runs `work` after the response has been sent: what the client must not wait for (SMTP), or must
 * not be able to time (whether an account exists). A failure is logged, never thrown into the void.
 */
export function afterResponse(what: string, work: () => Promise<unknown>): void {
  after(() =>
    work().catch((err: unknown) => {
      console.error(
        JSON.stringify({ level: "error", msg: `${what} failed`, err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }),
      );
    }),
  );
}
