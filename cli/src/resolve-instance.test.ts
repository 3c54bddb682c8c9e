import { describe, expect, it } from "vitest";
import { UsageError } from "./errors";
import { findInstance, instanceRefOf } from "./resolve-instance";
import { instanceFixture } from "./testing/fixtures";

const instances = [
  instanceFixture({ id: "aaaaaaaaaaaaaa", subdomain: "shop" }),
  instanceFixture({ id: "bbbbbbbbbbbbbb", subdomain: "blog-2", url: "http://blog-2.localhost:8080" }),
];

describe("findInstance", () => {
  it.each([
    ["an id", "bbbbbbbbbbbbbb", "bbbbbbbbbbbbbb"],
    ["a subdomain", "shop", "aaaaaaaaaaaaaa"],
    ["a subdomain in another case", " SHOP ", "aaaaaaaaaaaaaa"],
    ["an instance URL", "https://shop.example.com/", "aaaaaaaaaaaaaa"],
    ["a host with a port", "blog-2.localhost:8080", "bbbbbbbbbbbbbb"],
  ])("finds by %s", (_kind, ref, id) => {
    expect(findInstance(instances, ref).id).toBe(id);
  });

  it("says what to give when nothing matches", () => {
    expect(() => findInstance(instances, "nope")).toThrow(
      'no instance "nope" in your account: give its subdomain or id (`picobase instances list` shows them).',
    );
    expect(() => findInstance(instances, "shop.other.com")).toThrow('no instance "shop.other.com"');
  });
});

describe("instanceRefOf", () => {
  it("prefers the argument, then --instance, then PICOBASE_INSTANCE", () => {
    expect(instanceRefOf("arg", "flag", "env")).toBe("arg");
    expect(instanceRefOf(undefined, "flag", "env")).toBe("flag");
    expect(instanceRefOf(undefined, undefined, "env")).toBe("env");
  });

  it("is a usage error when none is given", () => {
    expect(() => instanceRefOf(undefined, " ", undefined)).toThrow(UsageError);
    expect(() => instanceRefOf()).toThrow("which instance? Pass --instance <subdomain|id> or set PICOBASE_INSTANCE.");
  });
});
