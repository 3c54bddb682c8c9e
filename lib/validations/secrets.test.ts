import { describe, expect, it } from "vitest";
import { SECRET_VALUE_MAX_BYTES, secretChangesSchema, secretEntrySchema, secretNameProblem } from "./secrets";

describe("secret names", () => {
  it.each(["MY_SECRET", "_PRIVATE", "STRIPE_KEY_2", "A", "GOOGLE_API_KEY", "GO_SOMETHING", "PBX", "LDAP_URL", "HOMEPAGE", "PATHS", "X".repeat(64)])(
    "accepts %s",
    (name) => expect(secretNameProblem(name)).toBeNull(),
  );

  it.each([
    ["", "required"],
    ["my_secret", "upper-case"],
    ["1ST", "upper-case"],
    ["MY-SECRET", "upper-case"],
    ["MY SECRET", "upper-case"],
    ["ÄPFEL", "upper-case"],
    ["X".repeat(65), "at most 64"],
  ])("refuses %j (%s)", (name, why) => expect(secretNameProblem(name)).toMatch(new RegExp(why)));

  it.each([
    "PATH",
    "HOME",
    "USER",
    "SHELL",
    "TMPDIR",
    "TZ",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "GOMEMLIMIT",
    "GOMAXPROCS",
    "GODEBUG",
    "GOGC",
    "GOTRACEBACK",
    "GOAMD64",
    "GO",
    "PB_DATA",
    "PB_ANYTHING",
    "PICOBASE_SUPERUSER_PASSWORD",
    "LD_PRELOAD",
    "LD_LIBRARY_PATH",
    "LD_AUDIT",
    "GLIBC_TUNABLES",
    "GCONV_PATH",
    "MALLOC_CHECK_",
    "BASH_ENV",
    "ENV",
    "IFS",
    "HOSTALIASES",
    "RES_OPTIONS",
  ])("reserves %s", (name) => expect(secretNameProblem(name)).toBe(`${name} is reserved by the platform.`));
});

describe("secret values", () => {
  const value = (v: string) => secretEntrySchema.safeParse({ name: "MY_SECRET", value: v });

  it("accepts up to 4 KB of UTF-8", () => {
    expect(value("x".repeat(SECRET_VALUE_MAX_BYTES)).success).toBe(true);
    expect(value("é".repeat(SECRET_VALUE_MAX_BYTES / 2)).success).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["over 4 KB", "x".repeat(SECRET_VALUE_MAX_BYTES + 1)],
    ["over 4 KB in bytes, not characters", "é".repeat(SECRET_VALUE_MAX_BYTES / 2 + 1)],
    ["with a NUL", "a\0b"],
  ])("refuses a value %s", (_why, v) => expect(value(v).success).toBe(false));
});

describe("secret changes", () => {
  it("defaults both parts and keeps values as given", () => {
    expect(secretChangesSchema.parse({})).toEqual({ set: {}, unset: [] });
    expect(secretChangesSchema.parse({ set: { A_B: " spaced value " }, unset: ["OLD"] })).toEqual({ set: { A_B: " spaced value " }, unset: ["OLD"] });
  });

  it("lets a reserved name be unset (stored before it was reserved) but not set", () => {
    expect(secretChangesSchema.safeParse({ unset: ["PB_OLD"] }).success).toBe(true);
    const set = secretChangesSchema.safeParse({ set: { PB_OLD: "x" } });
    expect(set.error?.issues[0]).toMatchObject({ path: ["set", "PB_OLD"], message: "PB_OLD is reserved by the platform." });
  });

  it.each([
    ["an invalid name to set", { set: { "bad-name": "x" } }],
    ["an invalid name to unset", { unset: ["bad name"] }],
    ["a name both set and unset", { set: { A: "x" }, unset: ["A"] }],
    ["a non-string value", { set: { A: 1 } }],
    ["more than 64 to set", { set: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`S${i}`, "x"])) }],
    ["unknown keys", { set: {}, extra: true }],
  ])("refuses %s", (_why, body) => expect(secretChangesSchema.safeParse(body).success).toBe(false));

  it("sets nothing under a __proto__ key", () => {
    const parsed = secretChangesSchema.parse(JSON.parse('{"set": {"__proto__": "x", "A": "y"}}'));
    expect(Object.keys(parsed.set)).toEqual(["A"]);
  });

  it("never repeats a value in its error messages", () => {
    const result = secretChangesSchema.safeParse({ set: { PATH: "hunter2-value", OK: "\0hunter2" } });
    expect(JSON.stringify(result.error?.issues)).not.toContain("hunter2");
  });
});
