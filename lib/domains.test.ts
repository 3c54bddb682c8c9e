import { describe, expect, it } from "vitest";
import { customDomainProblem, hasVerificationToken, normalizeHostname, requiredRecords, verificationName } from "./domains";

const base = "picobase.example.net";
/** A name of exactly `length` characters: labels of 63 and a shorter last one. */
const nameOfLength = (length: number) => {
  const labels: string[] = [];
  let left = length;
  while (left > 64) {
    labels.push("a".repeat(63));
    left -= 64;
  }
  return [...labels, "b".repeat(left)].join(".");
};

describe("normalizeHostname", () => {
  it.each([
    ["api.example.com", "api.example.com"],
    ["  API.Example.COM  ", "api.example.com"],
    ["api.example.com.", "api.example.com"],
    ["\tShop.Example.com.\n", "shop.example.com"],
    // Only one trailing dot goes; what remains is refused by customDomainProblem.
    ["api.example.com..", "api.example.com."],
    // A pasted URL is left as it is, for customDomainProblem to explain.
    ["https://API.example.com/", "https://api.example.com/"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeHostname(input)).toBe(expected);
  });
});

describe("customDomainProblem", () => {
  it.each([
    "api.example.com",
    "example.com",
    "a-b.c-d.io",
    "123.example.com",
    "xn--bcher-kva.example",
    `${"a".repeat(63)}.example.com`,
    nameOfLength(253),
    `not${base}`,
    `${base}.evil.com`,
  ])("accepts %s", (hostname) => {
    expect(customDomainProblem(hostname, base)).toBeNull();
  });

  it.each([
    ["", /Enter a domain such as/],
    ["bücher.example.com", /ASCII form \(xn--…\)/],
    ["https://api.example.com/", /without https:\/\/ or a path/],
    ["api.example.com/path", /without https:\/\/ or a path/],
    ["api.example.com:8443", /without https:\/\/ or a path/],
    ["user@api.example.com", /without https:\/\/ or a path/],
    ["api.example.com?x=1", /without https:\/\/ or a path/],
    [nameOfLength(254), /too long/],
    ["example", /full domain/],
    ["localhost", /full domain/],
    ["bad_label.example.com", /not a valid domain name/],
    ["-api.example.com", /not a valid domain name/],
    ["api-.example.com", /not a valid domain name/],
    ["api..example.com", /not a valid domain name/],
    ["api.example.com.", /not a valid domain name/],
    [`${"a".repeat(64)}.example.com`, /not a valid domain name/],
    ["10.0.0.1", /not an IP address/],
    ["example.123", /not an IP address/],
    ["api.localhost", /cannot be used/],
    [base, /platform's own/],
    [`app.${base}`, /platform's own/],
    [`a.b.${base}`, /platform's own/],
  ])("refuses %j", (hostname, message) => {
    expect(customDomainProblem(hostname, base)).toMatch(message);
  });

  it("compares with the platform's domain in any case", () => {
    expect(customDomainProblem(`app.${base}`, base.toUpperCase())).toMatch(/platform's own/);
  });
});

describe("requiredRecords", () => {
  it("is a CNAME of the name to the instance's own host, and the TXT token under _picobase", () => {
    expect(requiredRecords("api.example.com", `my-app.${base}`, "0123abcd")).toEqual([
      { type: "CNAME", name: "api.example.com", value: `my-app.${base}` },
      { type: "TXT", name: "_picobase.api.example.com", value: "picobase-verify=0123abcd" },
    ]);
    expect(verificationName("example.com")).toBe("_picobase.example.com");
  });
});

describe("hasVerificationToken", () => {
  const token = "5f0c9a";
  it.each([
    ["the record alone", [["picobase-verify=5f0c9a"]], true],
    ["one record split into strings", [["picobase-verify=", "5f0c", "9a"]], true],
    ["among other records", [["v=spf1 -all"], ["picobase-verify=other"], ["picobase-verify=5f0c9a"]], true],
    ["no records", [], false],
    ["another token", [["picobase-verify=other"]], false],
    ["the token with more after it", [["picobase-verify=5f0c9a0"]], false],
    ["the token without its prefix", [["5f0c9a"]], false],
    ["the prefix in another case", [["PICOBASE-VERIFY=5f0c9a"]], false],
    ["the value spread over two records", [["picobase-verify="], ["5f0c9a"]], false],
  ])("%s → %s", (_what, records: string[][], expected) => {
    expect(hasVerificationToken(records, token)).toBe(expected);
  });
});
