"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { z } from "zod";
import { ApiError, apiFetch } from "@/components/shared/api";
import { Field, FormError, firstErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { resetPasswordSchema } from "@/lib/validations/auth";

/**
 * Sets a new password with the token of a mailed reset link. A dead link (`deadLink`: why, known
 * when the page opened, or learnt on submit) says so and offers a new one.
 */
export function ResetPasswordForm({ token, deadLink: initialProblem }: { token: string; deadLink?: string | undefined }) {
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [deadLink, setDeadLink] = useState(initialProblem !== undefined);
  const [done, setDone] = useState(false);
  const { pending, error, setError, run } = useAction(initialProblem);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = resetPasswordSchema.safeParse({ token, password: new FormData(e.currentTarget).get("password") });
    setError(undefined);
    if (!parsed.success) {
      const fieldErrors = firstErrors(z.flattenError(parsed.error).fieldErrors);
      if (fieldErrors.token) return linkFailed(fieldErrors.token);
      return setErrors(fieldErrors);
    }
    setErrors({});
    await run(
      async () => {
        await apiFetch("/api/auth/reset-password", { method: "POST", body: parsed.data });
        setDone(true);
      },
      { onError: (err) => onServerError(err) },
    );
  };

  const linkFailed = (message: string) => {
    setDeadLink(true);
    setError(message);
  };

  // A 422 about the link (used, expired, unknown) rather than the password: offer a new link.
  const onServerError = (err: unknown) => {
    if (!(err instanceof ApiError) || err.status !== 422) return;
    const fieldErrors = firstErrors(err.fieldErrors);
    if (fieldErrors.password) setErrors(fieldErrors);
    else linkFailed(fieldErrors.token ?? err.message);
  };

  if (done) {
    return (
      <Card>
        <CardHeader>
          <CardTitle className="text-xl">Password changed</CardTitle>
          <CardDescription>Every session of your account was signed out. Sign in with your new password.</CardDescription>
        </CardHeader>
        <CardContent>
          <Button asChild className="w-full">
            <Link href="/signin">Sign in</Link>
          </Button>
        </CardContent>
      </Card>
    );
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle className="text-xl">{deadLink ? "This link no longer works" : "Choose a new password"}</CardTitle>
        <CardDescription>{deadLink ? "Reset links work once, for a limited time." : "Setting it signs your account out everywhere."}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <FormError message={error} />
        {deadLink ? (
          <Button asChild variant="outline" className="w-full">
            <Link href="/forgot-password">Ask for a new link</Link>
          </Button>
        ) : (
          <form onSubmit={submit} className="grid gap-4" noValidate>
            <Field id="password" label="New password" error={errors.password} hint="At least 8 characters.">
              <Input id="password" name="password" type="password" autoComplete="new-password" aria-invalid={!!errors.password} />
            </Field>
            <Button type="submit" pending={pending} className="w-full">
              Set new password
            </Button>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
