"use client";

import { Plus } from "lucide-react";
import { useState, type FormEvent } from "react";
import { apiFetch } from "@/components/shared/api";
import { CopyButton } from "@/components/shared/copy-button";
import { Field } from "@/components/shared/field";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import type { ApiKeyView } from "@/lib/data/api-keys";
import { createApiKeySchema } from "@/lib/validations/api-key";

/** Creates a key; the secret is shown once, with a copy button, before the dialog closes. */
export function CreateApiKeyDialog({ instanceId, onCreated }: { instanceId: string; onCreated: (k: ApiKeyView) => void }) {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const parsed = createApiKeySchema.safeParse({ name: new FormData(e.currentTarget).get("name") });
    if (!parsed.success) return setError(parsed.error.issues[0]?.message);
    setError(undefined);
    setPending(true);
    try {
      const { key } = await apiFetch<{ key: ApiKeyView & { key: string } }>(`/api/instances/${instanceId}/keys`, { method: "POST", body: parsed.data });
      const { key: value, ...view } = key;
      onCreated(view);
      setSecret(value);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={(o) => { setOpen(o); if (!o) { setSecret(undefined); setError(undefined); } }}>
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <Plus aria-hidden /> New key
        </Button>
      </DialogTrigger>
      <DialogContent>
        {secret ? (
          <>
            <DialogHeader>
              <DialogTitle>Copy your API key</DialogTitle>
              <DialogDescription>This is the only time it is shown. Store it somewhere safe.</DialogDescription>
            </DialogHeader>
            <div className="flex items-center gap-2">
              <code className="min-w-0 flex-1 break-all rounded-md border bg-muted px-3 py-2 font-mono text-xs" data-testid="new-api-key">
                {secret}
              </code>
              <CopyButton value={secret} label="Copy API key" />
            </div>
            <DialogFooter>
              <Button onClick={() => setOpen(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={submit} className="grid gap-4" noValidate>
            <DialogHeader>
              <DialogTitle>New API key</DialogTitle>
              <DialogDescription>Name it after where it will be used, e.g. “CI” or “mobile app”.</DialogDescription>
            </DialogHeader>
            <Field id="key-name" label="Name" error={error}>
              <Input id="key-name" name="name" autoFocus aria-invalid={!!error} />
            </Field>
            <DialogFooter>
              <Button type="submit" pending={pending}>
                Create key
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
