import type { ReactNode } from "react";
import { Label } from "@/components/ui/label";
import { ApiError } from "./api";

/** A labelled form field with an optional hint and error message. */
export function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string | undefined; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className="grid gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="text-sm text-destructive" role="alert">
          {error}
        </p>
      ) : hint ? (
        <div className="text-xs text-muted-foreground">{hint}</div>
      ) : null}
    </div>
  );
}

/** First message per field from a zod flattened error. */
export function firstErrors(fieldErrors: Record<string, string[] | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(fieldErrors).map(([k, v]) => [k, v?.[0]]));
}

/** An action's `onError` that shows a 422's field errors next to their fields (other failures stay form-level). */
export function showFieldErrors(setErrors: (errors: Record<string, string | undefined>) => void): (err: unknown) => void {
  return (err) => {
    if (err instanceof ApiError && Object.keys(err.fieldErrors).length > 0) setErrors(firstErrors(err.fieldErrors));
  };
}

/** A form-level error message (e.g. from the server). */
export function FormError({ message }: { message?: string | undefined }) {
  if (!message) return null;
  return (
    <p className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700" role="alert">
      {message}
    </p>
  );
}
