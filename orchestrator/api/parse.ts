import type { Context } from "hono";
import { z } from "zod";
import { BadRequestError, UnprocessableError } from "../../lib/errors";

/** Reads a JSON body and validates it: 400 for malformed JSON, 422 with field errors otherwise. */
export async function parseJson<T extends z.ZodTypeAny>(c: Context, schema: T): Promise<z.infer<T>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (err) {
    throw new BadRequestError(`Request body must be valid JSON (${(err as Error).message}).`);
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const flat = z.flattenError(result.error);
    const first = result.error.issues[0];
    throw new UnprocessableError(first ? `${first.path.join(".") || "body"}: ${first.message}` : "Invalid input.", flat);
  }
  return result.data;
}
