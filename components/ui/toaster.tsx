"use client";

import { Toaster as Sonner } from "sonner";

/** Toast container, mounted once in the root layout. */
export function Toaster() {
  return <Sonner position="top-right" richColors closeButton />;
}
