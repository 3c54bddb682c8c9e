/** A mail's content: a subject, a plain-text body and the same as minimal HTML. */
export type MailContent = { subject: string; text: string; html: string };

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** One line of a mail: no line breaks or control characters (names and reasons come from users and tenants). */
function oneLine(text: string, max = 200): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

type Body = { greeting: string; paragraphs: string[]; action?: { label: string; url: string }; footer: string };

/** Renders one mail's text and HTML from the same parts; every part is escaped in the HTML. */
function render(subject: string, body: Body): MailContent {
  const action = body.action;
  const text = [body.greeting, ...body.paragraphs, ...(action ? [`${action.label}: ${action.url}`] : []), body.footer, "— PicoBase"].join("\n\n");
  const p = (t: string) => `<p style="margin:0 0 16px">${escapeHtml(t)}</p>`;
  const button = action
    ? `<p style="margin:0 0 16px"><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 16px;background:#111827;color:#ffffff;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:12px;color:#6b7280">Or open this link: ${escapeHtml(action.url)}</p>`
    : "";
  const html =
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:14px;line-height:1.5;color:#111827">` +
    `<div style="max-width:560px;margin:0 auto;padding:24px">${p(body.greeting)}${body.paragraphs.map(p).join("")}${button}` +
    `<p style="margin:0 0 16px;font-size:12px;color:#6b7280">${escapeHtml(body.footer)}</p><p style="margin:0;color:#6b7280">— PicoBase</p></div></body></html>`;
  return { subject, text, html };
}

const hello = (name: string) => `Hello ${oneLine(name, 100)},`;

/** Durations as a person reads them: "24 hours", "1 hour", "30 minutes". */
export function describeDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 60 !== 0 || minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = minutes / 60;
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

/** The mail with the link that proves the address reads its mail. */
export function verifyEmailMail(p: { name: string; link: string; validForMs: number }): MailContent {
  return render("Verify your email address", {
    greeting: hello(p.name),
    paragraphs: ["Please confirm that this is your email address by opening the link below."],
    action: { label: "Verify email address", url: p.link },
    footer: `The link works once and expires in ${describeDuration(p.validForMs)}. If you did not create a PicoBase account, ignore this mail.`,
  });
}

/** The mail with the link that sets a new password. */
export function passwordResetMail(p: { name: string; link: string; validForMs: number }): MailContent {
  return render("Reset your PicoBase password", {
    greeting: hello(p.name),
    paragraphs: ["Someone (hopefully you) asked to reset the password of your PicoBase account. Open the link below to choose a new one."],
    action: { label: "Choose a new password", url: p.link },
    footer: `The link works once and expires in ${describeDuration(p.validForMs)}. If you did not ask for it, ignore this mail: your password stays as it is.`,
  });
}

type InstanceNotice = { name: string; instanceName: string; subdomain: string; link: string };

/** The notice that an instance stopped working (its start failed, it crashed repeatedly, or its upload failed). */
export function instanceFailedMail(p: InstanceNotice & { status: "failed" | "sync_failed"; reason: string }): MailContent {
  const what =
    p.status === "sync_failed"
      ? "stopped, but its data could not be uploaded to storage; the platform keeps retrying"
      : "could not keep running and was stopped";
  return render(`Instance "${p.subdomain}" ${p.status === "sync_failed" ? "could not save its data" : "failed"}`, {
    greeting: hello(p.name),
    paragraphs: [`Your instance "${oneLine(p.instanceName, 100)}" (${p.subdomain}) ${what}.`, `Reason: ${oneLine(p.reason)}`],
    action: { label: "Open the instance", url: p.link },
    footer: "The instance page shows its events and PocketBase's last log lines. You get this notice at most once a day per instance.",
  });
}

/** The notice that an instance's files are close to its disk quota. */
export function quotaWarningMail(p: InstanceNotice & { usedBytes: number; quotaBytes: number }): MailContent {
  const percent = Math.floor((p.usedBytes / p.quotaBytes) * 100);
  return render(`Instance "${p.subdomain}" is using ${percent}% of its disk quota`, {
    greeting: hello(p.name),
    paragraphs: [
      `Your instance "${oneLine(p.instanceName, 100)}" (${p.subdomain}) uses ${mebibytes(p.usedBytes)} of its ${mebibytes(p.quotaBytes)} disk quota.`,
      "Once the quota is full, requests that write (POST, PUT, PATCH) are refused with 507 until files or records are deleted.",
    ],
    action: { label: "Open the instance", url: p.link },
    footer: "You get this notice at most once a day per instance.",
  });
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
