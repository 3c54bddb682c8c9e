"use client";

import { useState, type FormEvent } from "react";
import { z } from "zod";
import { Field, firstErrors } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { secretEntrySchema, type SecretEntry } from "@/lib/validations/secrets";

/**
 * Adds a secret, or gives an existing one (`name`) a new value. When the instance is running it
 * first says that saving restarts it. The value is kept only while the dialog is open.
 */
export function SetSecretDialog({
  name,
  instanceName,
  running,
  onSave,
}: {
  name?: string;
  instanceName: string;
  running: boolean;
  onSave: (entry: SecretEntry) => Promise<void>;
}) {
  const [open, setOpen] = useState(false);
  const [entry, setEntry] = useState<SecretEntry>({ name: name ?? "", value: "" });
  const [confirming, setConfirming] = useState(false);
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const { pending, error: formError, setError: setFormError, run } = useAction();

  const reset = (o: boolean) => {
    setOpen(o);
    setEntry({ name: name ?? "", value: "" });
    setConfirming(false);
    setErrors({});
    setFormError(undefined);
  };

  // A failed save goes back to the form, where the error shows.
  const save = () =>
    run(
      async () => {
        await onSave(entry);
        reset(false);
      },
      { onError: () => setConfirming(false) },
    );

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    const parsed = secretEntrySchema.safeParse(entry);
    if (!parsed.success) return setErrors(firstErrors(z.flattenError(parsed.error).fieldErrors));
    setErrors({});
    if (running) setConfirming(true);
    else await save();
  };

  return (
    <Dialog open={open} onOpenChange={reset}>
      <DialogTrigger asChild>
        <Button variant={name ? "ghost" : "outline"} size="sm">
          {name ? "Update" : "Add secret"}
        </Button>
      </DialogTrigger>
      <DialogContent>
        {confirming ? (
          <>
            <DialogHeader>
              <DialogTitle>Restart {instanceName}?</DialogTitle>
              <DialogDescription>
                {instanceName} is running. Saving {entry.name} restarts it (stopped with a snapshot, then started: a few seconds offline) so its hooks read the
                new value.
              </DialogDescription>
            </DialogHeader>
            <DialogFooter>
              <Button variant="outline" onClick={() => setConfirming(false)}>
                Back
              </Button>
              <Button onClick={save} pending={pending}>
                Save and restart
              </Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={submit} className="grid gap-4" noValidate>
            <DialogHeader>
              <DialogTitle>{name ? `New value for ${name}` : "Add a secret"}</DialogTitle>
              <DialogDescription>
                Hooks read it with <code className="font-mono">$os.getenv(&quot;{entry.name || "NAME"}&quot;)</code>. The value is stored encrypted and never
                shown again.
              </DialogDescription>
            </DialogHeader>
            {formError ? (
              <p className="text-sm text-destructive" role="alert">
                {formError}
              </p>
            ) : null}
            <Field id="secret-name" label="Name" error={errors.name} hint="Upper-case letters, digits and underscores, e.g. STRIPE_SECRET_KEY.">
              <Input
                id="secret-name"
                value={entry.name}
                disabled={name !== undefined}
                autoFocus={name === undefined}
                autoComplete="off"
                spellCheck={false}
                className="font-mono"
                onChange={(e) => setEntry((s) => ({ ...s, name: e.target.value.toUpperCase() }))}
                aria-invalid={!!errors.name}
              />
            </Field>
            <Field id="secret-value" label="Value" error={errors.value} hint="At most 4 KB.">
              <Input
                id="secret-value"
                type="password"
                value={entry.value}
                autoFocus={name !== undefined}
                autoComplete="new-password"
                onChange={(e) => setEntry((s) => ({ ...s, value: e.target.value }))}
                aria-invalid={!!errors.value}
              />
            </Field>
            <DialogFooter>
              <Button type="submit" pending={pending}>
                {name ? "Save value" : "Add secret"}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
