"use client";

import { useState } from "react";

export type ActionOptions = {
  /** Also called on failure, e.g. to show a 422's field errors or a toast. */
  onError?: (err: unknown, message: string) => void;
  /** For actions that leave the page on success: the button stays busy until the navigation ends. */
  keepPendingOnSuccess?: boolean;
};

type ActionSetters = { setPending: (pending: boolean) => void; setError: (error: string | undefined) => void };

/**
 * Runs one user action: clears the error, marks it pending, awaits `fn`, records the failure's
 * message and clears pending. Resolves to whether `fn` succeeded; a failure of `fn` never rejects.
 */
export async function runAction({ setPending, setError }: ActionSetters, fn: () => Promise<unknown>, options: ActionOptions = {}): Promise<boolean> {
  setError(undefined);
  setPending(true);
  let ok = false;
  try {
    await fn();
    ok = true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    setError(message);
    options.onError?.(err, message);
  } finally {
    if (!ok || !options.keepPendingOnSuccess) setPending(false);
  }
  return ok;
}

/** Pending and error state for a button or form's async action; `run` is `runAction` bound to them. */
export function useAction(initialError?: string) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState(initialError);
  const run = (fn: () => Promise<unknown>, options?: ActionOptions) => runAction({ setPending, setError }, fn, options);
  return { pending, error, setError, run };
}
