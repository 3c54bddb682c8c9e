import { z } from "zod";
import { UnprocessableError, toErrorResponse } from "@/lib/errors";
import { readJsonBody } from "@/lib/read-body";

/** Route context as Next 16 passes it: params are a promise. */
export type RouteContext<P> = { params: Promise<P> };

/** Wraps a route handler so every thrown error becomes the platform's JSON error body. */
export function route<P>(fn: (req: Request, params: P) => Promise<Response>) {
  return async (req: Request, ctx: RouteContext<P>): Promise<Response> => {
    try {
      return await fn(req, await ctx.params);
    } catch (err) {
      return errorResponse(err, req);
    }
  };
}

/** Maps an error to a JSON response via lib/errors, logging anything that becomes a 500 with its stack. */
export function errorResponse(err: unknown, req?: Request): Response {
  const { status, body, headers } = toErrorResponse(err);
  if (status >= 500) console.error(JSON.stringify({ level: "error", msg: "platform API error", path: req?.url, err: describeError(err) }));
  return Response.json(body, { status, headers });
}

/** An error as plain JSON for one log line: name, message, stack and, in turn, its causes. */
function describeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return String(err);
  const described: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  if (err.cause !== undefined) described.cause = depth < 4 ? describeError(err.cause, depth + 1) : String(err.cause);
  return described;
}

/** JSON success response that is never cached. */
export function json(data: unknown, status = 200): Response {
  return Response.json(data, { status, headers: { "cache-control": "no-store" } });
}

/**
 * Reads and validates a JSON body, at most 1 MB (lib/read-body.ts): 413 when larger, 400 for
 * malformed JSON, 422 with field errors otherwise. Every route that takes a body reads it here.
 */
export async function readJson<T extends z.ZodTypeAny>(req: Request, schema: T): Promise<z.infer<T>> {
  return validate(schema, await readJsonBody(req));
}

/** Validates a value against a schema, throwing a 422 with field errors. */
export function validate<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const first = result.error.issues[0];
  const where = first && first.path.length > 0 ? `${first.path.join(".")}: ` : "";
  throw new UnprocessableError(first ? `${where}${first.message}` : "Invalid input.", z.flattenError(result.error));
}
