"use client";

import { Plus } from "lucide-react";
import { useState, type FormEvent } from "react";
import { CopyButton } from "@/components/shared/copy-button";
import { Field } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import type { BearerSecretView } from "@/lib/bearer-secrets";
import { credentialNameSchema } from "@/lib/validations/api-key";

/** The words one kind of credential (API key, account token) is shown with. */
export type CredentialWording = {
  /** "key", "token": used in "New key", "Create key", "Copy your API key". */
  noun: string;
  /** "API key", "account token". */
  longNoun: string;
  /** What to name it after. */
  nameHint: string;
  /** data-testid of the secret shown once. */
  secretTestId: string;
};

/** Creates a credential by name; its secret is shown once, with a copy button, before the dialog closes. */
export function CreateCredentialDialog({
  wording,
  create,
  onCreated,
}: {
  wording: CredentialWording;
  create: (name: string) => Promise<{ view: BearerSecretView; secret: string }>;
  onCreated: (view: BearerSecretView) => void;
}) {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string>();
  const { pending, error, setError, run } = useAction();
  const inputId = `${wording.secretTestId}-name`;

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = credentialNameSchema.safeParse(new FormData(e.currentTarget).get("name"));
    if (!parsed.success) return setError(parsed.error.issues[0]?.message);
    await run(async () => {
      const created = await create(parsed.data);
      onCreated(created.view);
      setSecret(created.secret);
    });
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (!o) {
          setSecret(undefined);
          setError(undefined);
        }
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <Plus aria-hidden /> New {wording.noun}
        </Button>
      </DialogTrigger>
      <DialogContent>
        {secret ? (
          <>
            <DialogHeader>
              <DialogTitle>Copy your {wording.longNoun}</DialogTitle>
              <DialogDescription>This is the only time it is shown. Store it somewhere safe.</DialogDescription>
            </DialogHeader>
            <div className="flex items-center gap-2">
              <code className="min-w-0 flex-1 break-all rounded-md border bg-muted px-3 py-2 font-mono text-xs" data-testid={wording.secretTestId}>
                {secret}
              </code>
              <CopyButton value={secret} label={`Copy ${wording.longNoun}`} />
            </div>
            <DialogFooter>
              <Button onClick={() => setOpen(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={submit} className="grid gap-4" noValidate>
            <DialogHeader>
              <DialogTitle>New {wording.longNoun}</DialogTitle>
              <DialogDescription>{wording.nameHint}</DialogDescription>
            </DialogHeader>
            <Field id={inputId} label="Name" error={error}>
              <Input id={inputId} name="name" autoFocus aria-invalid={!!error} />
            </Field>
            <DialogFooter>
              <Button type="submit" pending={pending}>
                Create {wording.noun}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
