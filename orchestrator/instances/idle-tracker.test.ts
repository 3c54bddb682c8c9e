import { describe, expect, it } from "vitest";
import { createIdleTracker } from "./idle-tracker";

describe("createIdleTracker", () => {
  it("measures time since the last request", () => {
    let t = 1000;
    const idle = createIdleTracker(() => t);
    idle.reset("a");
    t = 5000;
    expect(idle.idleFor("a")).toBe(4000);
    idle.activity("a", "request");
    expect(idle.idleFor("a")).toBe(0);
  });

  it("is never idle while a long-lived connection is open", () => {
    let t = 0;
    const idle = createIdleTracker(() => t);
    idle.activity("a", "open");
    t = 60_000;
    expect(idle.idleFor("a")).toBe(0);
    idle.activity("a", "close");
    t = 70_000;
    expect(idle.idleFor("a")).toBe(10_000);
  });

  it("reports 0 for unknown instances and after forget", () => {
    const idle = createIdleTracker(() => 10);
    expect(idle.idleFor("x")).toBe(0);
    idle.reset("x");
    idle.forget("x");
    expect(idle.idleFor("x")).toBe(0);
  });
});
