import { Database } from "lucide-react";
import Link from "next/link";

/** The PicoBase wordmark, linking home. */
export function Logo({ href = "/" }: { href?: string }) {
  return (
    <Link href={href} className="flex items-center gap-2 font-semibold tracking-tight">
      <span className="grid size-7 place-items-center rounded-md bg-primary text-primary-foreground">
        <Database className="size-4" aria-hidden />
      </span>
      PicoBase
    </Link>
  );
}
