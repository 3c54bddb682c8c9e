import { Cloud, KeyRound, Power, ShieldCheck } from "lucide-react";
import Link from "next/link";
import { Logo } from "@/components/shared/logo";
import { Button } from "@/components/ui/button";

const features = [
  { icon: Power, title: "On demand", text: "Instances start when you need them and sleep when idle. A request wakes them up." },
  { icon: Cloud, title: "Durable", text: "Every stop snapshots your database and files to object storage, versioned." },
  { icon: KeyRound, title: "Scriptable", text: "Per-instance API keys for your apps and for start/stop from CI." },
  { icon: ShieldCheck, title: "Isolated", text: "Each tenant runs as its own PocketBase process with its own data." },
];

export default function LandingPage() {
  return (
    <div className="mx-auto flex min-h-dvh max-w-5xl flex-col px-4 sm:px-6">
      <header className="flex items-center justify-between py-5">
        <Logo />
        <nav className="flex items-center gap-2">
          <Button asChild variant="ghost">
            <Link href="/signin">Sign in</Link>
          </Button>
          <Button asChild>
            <Link href="/signup">Get started</Link>
          </Button>
        </nav>
      </header>
      <main className="flex flex-1 flex-col justify-center gap-12 py-16">
        <section className="max-w-2xl">
          <h1 className="text-4xl font-bold tracking-tight sm:text-5xl">PocketBase backends, hosted for you.</h1>
          <p className="mt-4 text-lg text-muted-foreground">
            Create a PocketBase instance in seconds, get a URL like <code className="font-mono text-foreground">myapp.picobase.dev</code>, and let PicoBase keep
            it running, backed up and out of your way.
          </p>
          <div className="mt-8 flex flex-wrap gap-3">
            <Button asChild size="lg">
              <Link href="/signup">Create a free account</Link>
            </Button>
            <Button asChild size="lg" variant="outline">
              <Link href="/signin">I have an account</Link>
            </Button>
          </div>
        </section>
        <section className="grid gap-4 sm:grid-cols-2">
          {features.map(({ icon: Icon, title, text }) => (
            <div key={title} className="rounded-xl border p-5">
              <Icon className="size-5 text-primary" aria-hidden />
              <h2 className="mt-3 font-semibold">{title}</h2>
              <p className="mt-1 text-sm text-muted-foreground">{text}</p>
            </div>
          ))}
        </section>
      </main>
      <footer className="py-6 text-sm text-muted-foreground">PicoBase · multi-tenant PocketBase hosting</footer>
    </div>
  );
}
