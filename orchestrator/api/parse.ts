import type { Context } from "hono";
import { z } from "zod";
import { UnprocessableError } from "../../lib/errors";
import { readJsonBody } from "../../lib/read-body";

/** Reads a JSON body and validates it: 413 when too large, 400 for malformed JSON, 422 with field errors otherwise. */
export async function parseJson<T extends z.ZodTypeAny>(c: Context, schema: T): Promise<z.infer<T>> {
  return parseInput(schema, await readJsonBody(c.req.raw)); // bounded: 413 past 1 MB, 400 when not JSON
}

/** Validates input against `schema`: 422 with field errors when it does not match. */
export function parseInput<T extends z.ZodTypeAny>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const flat = z.flattenError(result.error);
    const first = result.error.issues[0];
    throw new UnprocessableError(first ? `${first.path.join(".") || "body"}: ${first.message}` : "Invalid input.", flat);
  }
  return result.data;
}
