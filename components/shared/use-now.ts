"use client";

import { useEffect, useState } from "react";

/** Current time, refreshed every 30 s so relative times ("3 minutes ago") stay right. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
