"use client";

import { Check, Copy } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";

/** Copies `value` to the clipboard and confirms with a tick and a toast. */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      toast.success("Copied to clipboard");
      setTimeout(() => setCopied(false), 1500);
    } catch (err) {
      toast.error(`Could not copy: ${(err as Error).message}. Select the text and copy it manually.`);
    }
  };
  return (
    <Button type="button" variant="outline" size="icon" onClick={copy} aria-label={label} title={label}>
      {copied ? <Check /> : <Copy />}
    </Button>
  );
}
