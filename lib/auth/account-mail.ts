import type { Db } from "../db/client";
import { issueEmailToken } from "../data/email-tokens";
import { findUserByEmail, type MailRecipient } from "../data/users";
import { webConfig } from "../env";
import { mailLink } from "../mail/links";
import { createMailer, type MailLog, type Mailer } from "../mail/mailer";
import { passwordResetMail, verifyEmailMail } from "../mail/templates";

let mailer: Mailer | undefined;

/** The web's log lines are JSON on stdout/stderr, like the route handlers' (app/api/_lib/handler.ts). */
const consoleLog: MailLog = {
  info: (fields, msg) => console.log(JSON.stringify({ level: "info", msg, ...fields })),
  error: (fields, msg) => console.error(JSON.stringify({ level: "error", msg, ...fields })),
};

/** The web process's mailer: SMTP_URL, or the log when it is not set. */
function webMailer(): Mailer {
  const { mail } = webConfig();
  mailer ??= createMailer({ smtpUrl: mail.smtpUrl, from: mail.from, log: consoleLog });
  return mailer;
}

/** Mails `user` a new link that verifies their address; resolves to whether it was sent. */
export async function sendVerificationMail(db: Db, user: Pick<MailRecipient, "id" | "name" | "email">, now = new Date()): Promise<boolean> {
  const { nextAuthUrl, emailLinks } = webConfig();
  const secret = await issueEmailToken(db, user.id, "verify-email", emailLinks.verifyTtlMs, now);
  const link = mailLink(nextAuthUrl, "/verify-email", secret);
  return webMailer().send(user.email, verifyEmailMail({ name: user.name, link, validForMs: emailLinks.verifyTtlMs }));
}

/** Mails a verification link when an unverified account has this address; otherwise sends nothing. */
export async function resendVerificationMail(db: Db, email: string, now = new Date()): Promise<void> {
  const user = await findUserByEmail(db, email);
  if (user && !user.emailVerified) await sendVerificationMail(db, user, now);
}

/** Mails a password-reset link when an account has this address; otherwise sends nothing. */
export async function sendPasswordResetMail(db: Db, email: string, now = new Date()): Promise<void> {
  const user = await findUserByEmail(db, email);
  if (!user) return;
  const { nextAuthUrl, emailLinks } = webConfig();
  const secret = await issueEmailToken(db, user.id, "reset-password", emailLinks.resetTtlMs, now);
  const link = mailLink(nextAuthUrl, "/reset-password", secret);
  await webMailer().send(user.email, passwordResetMail({ name: user.name, link, validForMs: emailLinks.resetTtlMs }));
}
