import { describe, expect, it } from "vitest";
import { describeDuration, escapeHtml, instanceFailedMail, passwordResetMail, quotaWarningMail, verifyEmailMail } from "./templates";

const hostile = `<script>alert("x")</script> & 'friends'`;
const link = "https://app.example.com/reset-password?token=abc&x=1";

describe("escapeHtml", () => {
  it("escapes every character that could open markup or leave an attribute", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe("&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;");
  });
});

describe("describeDuration", () => {
  it.each([
    [24 * 3_600_000, "24 hours"],
    [3_600_000, "1 hour"],
    [90 * 60_000, "90 minutes"],
    [60_000, "1 minute"],
  ])("%i ms → %s", (ms, text) => expect(describeDuration(ms)).toBe(text));
});

describe("templates", () => {
  const mails = {
    verify: verifyEmailMail({ name: hostile, link, validForMs: 24 * 3_600_000 }),
    reset: passwordResetMail({ name: hostile, link, validForMs: 3_600_000 }),
    failed: instanceFailedMail({ name: hostile, instanceName: hostile, subdomain: "blog", link, status: "failed", reason: `boom ${hostile}\nsecond line` }),
    quota: quotaWarningMail({ name: hostile, instanceName: hostile, subdomain: "blog", link, usedBytes: 950 * 1024 * 1024, quotaBytes: 1024 * 1024 * 1024 }),
  };

  it.each(Object.entries(mails))("%s: user-controlled text is escaped in the HTML and the link is in both bodies", (_name, mail) => {
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&#60;script&#62;");
    expect(mail.html).toContain(`href="${escapeHtml(link)}"`);
    expect(mail.text).toContain(link);
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it("says how long a link lasts and what the notices are about", () => {
    expect(mails.verify.text).toContain("expires in 24 hours");
    expect(mails.reset.text).toContain("expires in 1 hour");
    expect(mails.failed.subject).toBe('Instance "blog" failed');
    expect(mails.failed.text).toContain("Reason: boom"); // one line: no line breaks from the reason
    expect(mails.failed.text).not.toMatch(/boom[^\n]*\nsecond line/);
    expect(mails.quota.subject).toBe('Instance "blog" is using 92% of its disk quota');
    expect(mails.quota.text).toContain("950.0 MiB of its 1024.0 MiB");
  });
});
