import { describe, expect, it } from "vitest";
import { phaseClock } from "./phase-clock";

describe("phaseClock", () => {
  it("records each phase's time since the previous mark, in order", async () => {
    const clock = phaseClock();
    await new Promise((resolve) => setTimeout(resolve, 30));
    clock.mark("slow");
    clock.mark("quick");
    expect(Object.keys(clock.phases)).toEqual(["slow", "quick"]);
    expect(clock.phases.slow).toBeGreaterThanOrEqual(25);
    expect(clock.phases.quick).toBeLessThan(clock.phases.slow!);
  });
});
