"use client";

import { useCallback, useEffect, useState } from "react";
import { apiFetch } from "./api";

/**
 * Loads `url` once (and again on `reload`), keeping what `pick` takes from the answer, or the
 * failure's message: the state behind a card's list, its skeleton and its retry.
 */
export function useApiResource<Body, T>(url: string, pick: (body: Body) => T) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string>();
  // `pick` is usually an inline arrow: only the URL decides when to load.
  const [select] = useState(() => pick);

  const reload = useCallback(async () => {
    setError(undefined);
    try {
      setData(select(await apiFetch<Body>(url)));
    } catch (err) {
      setError((err as Error).message);
    }
  }, [url, select]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, setData, error, reload };
}
