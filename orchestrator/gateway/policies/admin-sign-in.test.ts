import { describe, expect, it } from "vitest";
import { signInPage } from "./admin-sign-in";

describe("signInPage", () => {
  it("cannot be broken out of by a record value", () => {
    const html = signInPage({ token: "t", record: { email: "</script><script>alert(1)</script>" } });
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    expect(html).toContain("__pb_superusers__/_");
  });
});
