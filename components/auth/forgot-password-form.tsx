"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { z } from "zod";
import { apiFetch } from "@/components/shared/api";
import { Field, FormError, firstErrors, showFieldErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { emailOnlySchema } from "@/lib/validations/auth";

/** Asks for an email address and has a reset link mailed to it; the answer never says whether an account exists. */
export function ForgotPasswordForm() {
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [sent, setSent] = useState<string>();
  const { pending, error, setError, run } = useAction();

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = emailOnlySchema.safeParse(Object.fromEntries(new FormData(e.currentTarget)));
    setError(undefined);
    if (!parsed.success) return setErrors(firstErrors(z.flattenError(parsed.error).fieldErrors));
    setErrors({});
    const onError = showFieldErrors(setErrors);
    await run(
      async () => {
        const res = await apiFetch<{ message: string }>("/api/auth/forgot-password", { method: "POST", body: parsed.data });
        setSent(res.message);
      },
      { onError },
    );
  };

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">{sent ? "Check your inbox" : "Forgot your password?"}</CardTitle>
        <CardDescription>{sent ? undefined : "Enter the email address of your account and we will mail you a link to choose a new password."}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {sent ? (
          <p className="text-sm" role="status" data-testid="forgot-password-sent">
            {sent}
          </p>
        ) : (
          <form onSubmit={submit} className="grid gap-4" noValidate>
            <FormError message={error} />
            <Field id="email" label="Email" error={errors.email}>
              <Input id="email" name="email" type="email" autoComplete="email" aria-invalid={!!errors.email} />
            </Field>
            <Button type="submit" pending={pending} className="w-full">
              Send reset link
            </Button>
          </form>
        )}
        <p className="text-center text-sm text-muted-foreground">
          <Link href="/signin" className="font-medium text-primary hover:underline">
            Back to sign in
          </Link>
        </p>
      </CardContent>
    </Card>
  );
}
