"use client";

import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import { z } from "zod";
import { ApiError, apiFetch } from "@/components/shared/api";
import { Field, firstErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { changePasswordSchema } from "@/lib/validations/auth";

/** Change-password form, validated with the same schema as the server. */
export function ChangePasswordForm() {
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const { pending, run } = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const parsed = changePasswordSchema.safeParse(Object.fromEntries(new FormData(form)));
    if (!parsed.success) return setErrors(firstErrors(z.flattenError(parsed.error).fieldErrors));
    setErrors({});
    // Errors show beside their field, or as a toast when they belong to no field.
    const onError = (err: unknown, message: string) => {
      if (err instanceof ApiError && Object.keys(err.fieldErrors).length > 0) setErrors(firstErrors(err.fieldErrors));
      else toast.error(message);
    };
    await run(
      async () => {
        await apiFetch("/api/account/password", { method: "POST", body: parsed.data });
        form.reset();
        toast.success("Password changed");
      },
      { onError },
    );
  };

  return (
    <form onSubmit={submit} className="grid gap-4" noValidate>
      <Field id="currentPassword" label="Current password" error={errors.currentPassword}>
        <Input id="currentPassword" name="currentPassword" type="password" autoComplete="current-password" aria-invalid={!!errors.currentPassword} />
      </Field>
      <Field id="newPassword" label="New password" error={errors.newPassword}>
        <Input id="newPassword" name="newPassword" type="password" autoComplete="new-password" aria-invalid={!!errors.newPassword} />
      </Field>
      <div>
        <Button type="submit" pending={pending}>
          Change password
        </Button>
      </div>
    </form>
  );
}
