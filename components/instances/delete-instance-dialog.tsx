"use client";

import { Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { toast } from "sonner";
import { apiFetch } from "@/components/shared/api";
import { Field } from "@/components/shared/field";
import { useAction } from "@/components/shared/use-action";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import type { InstanceView } from "@/lib/data/instances";

/** Danger zone: delete, confirmed by typing the subdomain. */
export function DeleteInstanceDialog({ instance }: { instance: InstanceView }) {
  const router = useRouter();
  const [typed, setTyped] = useState("");
  const { pending, error, setError, run } = useAction();

  const remove = () =>
    run(
      async () => {
        await apiFetch(`/api/instances/${instance.id}`, { method: "DELETE" });
        toast.success(`Deleted ${instance.name}`);
        router.push("/dashboard");
        router.refresh();
      },
      { keepPendingOnSuccess: true },
    );

  return (
    <Card className="border-red-200">
      <CardHeader>
        <CardTitle>Delete instance</CardTitle>
        <CardDescription>Stops the instance and permanently deletes its data, backups and API keys.</CardDescription>
      </CardHeader>
      <CardContent>
        <Dialog
          onOpenChange={() => {
            setTyped("");
            setError(undefined);
          }}
        >
          <DialogTrigger asChild>
            <Button variant="destructive">
              <Trash2 aria-hidden /> Delete instance
            </Button>
          </DialogTrigger>
          <DialogContent>
            <DialogHeader>
              <DialogTitle>Delete {instance.name}?</DialogTitle>
              <DialogDescription>
                This cannot be undone. Type <strong className="font-mono text-foreground">{instance.subdomain}</strong> to confirm.
              </DialogDescription>
            </DialogHeader>
            <Field id="confirm-subdomain" label="Subdomain" error={error}>
              <Input id="confirm-subdomain" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
            </Field>
            <DialogFooter>
              <Button variant="destructive" onClick={remove} pending={pending} disabled={typed.trim() !== instance.subdomain}>
                Delete forever
              </Button>
            </DialogFooter>
          </DialogContent>
        </Dialog>
      </CardContent>
    </Card>
  );
}
