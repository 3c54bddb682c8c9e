"use client";

import { useEffect, useState } from "react";
import { subdomainSchema } from "@/lib/validations/instance";

/** Result of the as-you-type subdomain check. */
export type SubdomainCheck = { state: "idle" } | { state: "checking" } | { state: "available"; subdomain: string } | { state: "unavailable"; message: string };

/** Validates locally with the shared schema, then asks the server (debounced) whether it is free. */
export function useSubdomainCheck(value: string): SubdomainCheck {
  const [result, setResult] = useState<SubdomainCheck>({ state: "idle" });
  useEffect(() => {
    if (!value) return setResult({ state: "idle" });
    const parsed = subdomainSchema.safeParse(value);
    if (!parsed.success) return setResult({ state: "unavailable", message: parsed.error.issues[0]?.message ?? "Invalid subdomain." });
    setResult({ state: "checking" });
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const res = await fetch(`/api/subdomains/${encodeURIComponent(parsed.data)}`, { signal: controller.signal });
        const body = (await res.json()) as { available?: boolean; reason?: string; error?: { message: string } };
        if (body.available) setResult({ state: "available", subdomain: parsed.data });
        else setResult({ state: "unavailable", message: body.reason ?? body.error?.message ?? "Not available." });
      } catch (err) {
        // An aborted check was superseded by newer input; anything else leaves the server to decide on submit.
        if (!controller.signal.aborted) setResult({ state: "idle" });
      }
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [value]);
  return result;
}
