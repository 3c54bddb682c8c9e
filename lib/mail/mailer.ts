import nodemailer from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { MailContent } from "./templates";

/** The part of a logger the mailer uses: pino's shape, so the orchestrator passes its logger as is. */
export type MailLog = {
  info: (fields: Record<string, unknown>, message: string) => void;
  error: (fields: Record<string, unknown>, message: string) => void;
};

/** Sends platform mail; `send` never rejects: a failure is logged and resolves to false. */
export type Mailer = {
  /** "smtp" sends through SMTP_URL; "log" writes each mail, link included, to the log instead. */
  readonly mode: "smtp" | "log";
  send: (to: string, mail: MailContent) => Promise<boolean>;
  close: () => void;
};

/** SMTP waits: sending happens off the request path, but must never hang on a dead server. */
const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** Creates the mailer: SMTP when `smtpUrl` is set, else one that writes every mail to the log. */
export function createMailer(deps: { smtpUrl: string | undefined; from: string; log: MailLog }): Mailer {
  const { smtpUrl, from, log } = deps;
  if (!smtpUrl) {
    return {
      mode: "log",
      send(to, mail) {
        // The documented local fallback: the whole mail, so someone running PicoBase locally can follow its link.
        log.info({ mail: { to, from, subject: mail.subject, text: mail.text } }, "mail not sent (no SMTP_URL set), written to the log instead");
        return Promise.resolve(true);
      },
      close: () => undefined,
    };
  }
  const { options, secrets } = smtpOptions(smtpUrl);
  const transport = nodemailer.createTransport(options);
  return {
    mode: "smtp",
    async send(to, mail) {
      try {
        await transport.sendMail({ from, to, subject: mail.subject, text: mail.text, html: mail.html });
        log.info({ to, subject: mail.subject, smtp: smtpTarget(smtpUrl) }, "mail sent");
        return true;
      } catch (err) {
        log.error({ to, subject: mail.subject, smtp: smtpTarget(smtpUrl), err: describeMailError(err, secrets) }, "mail could not be sent");
        return false;
      }
    },
    close: () => transport.close(),
  };
}

/** nodemailer options from an smtp(s):// URL, and the credentials in it (to keep them out of logs). */
export function smtpOptions(smtpUrl: string): { options: SMTPTransport.Options; secrets: string[] } {
  const url = new URL(smtpUrl);
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const secure = url.protocol === "smtps:";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const options: SMTPTransport.Options = {
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    // smtp:// must upgrade with STARTTLS (else someone on the path could strip it and read the
    // password and every mailed link); only a server on this machine may be spoken to in plain text.
    requireTLS: !secure && !isLoopbackHost(host),
    ...(user ? { auth: { user, pass } } : {}),
    ...timeouts,
  };
  return { options, secrets: [pass, url.password].filter((s) => s.length > 0) };
}

function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** The server mail goes to, for logs: scheme, host and port, never the credentials. */
export function smtpTarget(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  return `${url.protocol}//${url.host}`;
}

/** A send failure for the log: what went wrong, with any credential cut out of the text. */
export function describeMailError(err: unknown, secrets: string[]): Record<string, unknown> {
  const e = err instanceof Error ? (err as Error & { code?: unknown; responseCode?: unknown; command?: unknown }) : undefined;
  let message = e ? e.message : String(err);
  for (const secret of secrets) message = message.split(secret).join("***");
  return {
    message,
    code: e?.code,
    responseCode: e?.responseCode,
    command: typeof e?.command === "string" ? e.command.split(" ").slice(0, 2).join(" ") : undefined,
  };
}
