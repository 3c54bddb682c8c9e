import net from "node:net";
import { describe, expect, it } from "vitest";
import { createMailer, describeMailError, smtpOptions, smtpTarget, type MailLog } from "./mailer";
import { verifyEmailMail } from "./templates";

function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; msg: string }[] = [];
  const log: MailLog = {
    info: (fields, msg) => lines.push({ level: "info", fields, msg }),
    error: (fields, msg) => lines.push({ level: "error", fields, msg }),
  };
  return { log, lines, text: () => JSON.stringify(lines) };
}

const mail = verifyEmailMail({ name: "Ada", link: "http://localhost:3000/verify-email?token=secret-link-token", validForMs: 3_600_000 });

describe("createMailer without SMTP_URL", () => {
  it("writes the whole mail, link included, to the log and reports it as delivered", async () => {
    const { log, lines } = recordingLog();
    const mailer = createMailer({ smtpUrl: undefined, from: "PicoBase <no-reply@localhost>", log });
    expect(mailer.mode).toBe("log");
    expect(await mailer.send("ada@example.com", mail)).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.fields.mail).toMatchObject({
      to: "ada@example.com",
      subject: "Verify your email address",
      text: expect.stringContaining("token=secret-link-token"),
    });
  });
});

describe("createMailer with SMTP_URL", () => {
  it("logs a failed send without the password and resolves to false", async () => {
    // A port that accepts and closes at once: the SMTP exchange fails right away.
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    const { log, lines, text } = recordingLog();
    const mailer = createMailer({ smtpUrl: `smtp://mailer:hunter2%21pw@127.0.0.1:${port}`, from: "PicoBase <no-reply@example.com>", log });
    try {
      expect(await mailer.send("ada@example.com", mail)).toBe(false);
    } finally {
      mailer.close();
      server.close();
    }
    expect(lines.map((l) => l.level)).toEqual(["error"]);
    expect(lines[0]?.fields.smtp).toBe(`smtp://127.0.0.1:${port}`);
    expect(text()).not.toMatch(/hunter2|secret-link-token/);
  });
});

describe("describeMailError", () => {
  it("cuts credentials out of the message and keeps the command's verb", () => {
    const err = Object.assign(new Error("Invalid login: 535 bad password hunter2"), { code: "EAUTH", responseCode: 535, command: "AUTH PLAIN aHVudGVyMg==" });
    expect(describeMailError(err, ["hunter2"])).toEqual({
      message: "Invalid login: 535 bad password ***",
      code: "EAUTH",
      responseCode: 535,
      command: "AUTH PLAIN",
    });
  });
});

describe("smtpTarget", () => {
  it("names the server without credentials", () => {
    expect(smtpTarget("smtps://user:pw@mail.example.com:465")).toBe("smtps://mail.example.com:465");
  });
});

describe("smtpOptions", () => {
  it("requires STARTTLS for smtp:// to another machine, so it cannot be stripped on the way", () => {
    expect(smtpOptions("smtp://user:pw@smtp.example.net:587").options).toMatchObject({ host: "smtp.example.net", port: 587, secure: false, requireTLS: true });
  });

  it("speaks TLS from the start for smtps://, and plain SMTP only to this machine", () => {
    expect(smtpOptions("smtps://user:pw@smtp.example.net").options).toMatchObject({ port: 465, secure: true, requireTLS: false });
    expect(smtpOptions("smtp://127.0.0.1:1025").options).toMatchObject({ secure: false, requireTLS: false });
    expect(smtpOptions("smtp://[::1]:1025").options).toMatchObject({ host: "::1", requireTLS: false });
  });
});
