"use client";

import type { ReactNode } from "react";
import { Field } from "@/components/shared/field";
import { Input } from "@/components/ui/input";

/** The subdomain input of the create, clone and import dialogs: lower-cased as typed, with its error or hint. */
export function SubdomainField({
  id,
  value,
  onChange,
  error,
  hint,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  hint?: ReactNode;
}) {
  return (
    <Field id={id} label="Subdomain" error={error} hint={hint}>
      <Input
        id={id}
        name="subdomain"
        placeholder="my-app"
        autoCapitalize="none"
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value.toLowerCase())}
        aria-invalid={!!error}
      />
    </Field>
  );
}
