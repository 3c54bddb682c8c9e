import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import getPort from "get-port";
import { tools } from "./tools";
import { waitFor } from "./wait";

/** One received mail as mailpit's API gives it (the fields tests look at). */
export type ReceivedMail = {
  ID: string;
  From: { Name: string; Address: string };
  To: { Name: string; Address: string }[];
  Subject: string;
  Text: string;
  HTML: string;
};

type Summary = { ID: string; To: { Address: string }[]; Subject: string };

/** A real SMTP server (mailpit) on loopback, read through its HTTP API. */
export type Mailpit = {
  /** SMTP_URL for the platform, with credentials when started with `auth` (any are accepted). */
  smtpUrl: string;
  apiUrl: string;
  /** Every mail received for `to` so far, oldest first. */
  mailsTo: (to: string) => Promise<ReceivedMail[]>;
  /** Waits until `to` has received `count` mails (1 by default) and returns the newest. */
  waitForMail: (to: string, opts?: { count?: number; timeoutMs?: number }) => Promise<ReceivedMail>;
  dispose: () => Promise<void>;
};

/** The first link in a mail's text to `page` on the dashboard (e.g. "/reset-password"). */
export function linkIn(mail: ReceivedMail, page: string): URL {
  const match = mail.Text.match(/https?:\/\/\S+/g)?.find((u) => new URL(u).pathname === page);
  if (!match) throw new Error(`no ${page} link in mail "${mail.Subject}":\n${mail.Text}`);
  return new URL(match);
}

/**
 * Starts mailpit with its SMTP server and HTTP API on free loopback ports and an on-disk database in
 * a temp folder. With `auth`, SMTP requires a login (any user and password, over plain text).
 */
export async function startMailpit(opts: { auth?: { user: string; pass: string } } = {}): Promise<Mailpit> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "picobase-mailpit-"));
  const [smtpPort, httpPort] = [await getPort(), await getPort()];
  const authArgs = opts.auth ? ["--smtp-auth-accept-any", "--smtp-auth-allow-insecure"] : [];
  const child = execa(
    tools.mailpit,
    [
      "--smtp",
      `127.0.0.1:${smtpPort}`,
      "--listen",
      `127.0.0.1:${httpPort}`,
      "--database",
      path.join(dir, "mailpit.db"),
      "--disable-version-check",
      "--quiet",
      ...authArgs,
    ],
    { reject: false, stdio: "ignore" },
  );
  const apiUrl = `http://127.0.0.1:${httpPort}`;
  const api = async <T>(route: string): Promise<T> => {
    const res = await fetch(`${apiUrl}${route}`);
    if (!res.ok) throw new Error(`mailpit ${route}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  await waitFor("mailpit API", async () => ((await fetch(`${apiUrl}/api/v1/info`)).ok ? true : undefined), { timeoutMs: 15_000 });

  const mailsTo = async (to: string) => {
    const { messages } = await api<{ messages: Summary[] }>(`/api/v1/messages?limit=500`);
    const mine = messages.filter((m) => m.To.some((t) => t.Address.toLowerCase() === to.toLowerCase())).reverse();
    return Promise.all(mine.map((m) => api<ReceivedMail>(`/api/v1/message/${m.ID}`)));
  };
  const credentials = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : "";
  return {
    smtpUrl: `smtp://${credentials}127.0.0.1:${smtpPort}`,
    apiUrl,
    mailsTo,
    async waitForMail(to, { count = 1, timeoutMs = 15_000 } = {}) {
      const mails = await waitFor(
        `${count} mail(s) to ${to}`,
        async () => {
          const got = await mailsTo(to);
          return got.length >= count ? got : undefined;
        },
        { timeoutMs, intervalMs: 100 },
      );
      return mails[mails.length - 1] as ReceivedMail;
    },
    async dispose() {
      child.kill("SIGTERM");
      await child;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
