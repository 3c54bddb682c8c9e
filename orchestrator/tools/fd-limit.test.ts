import { describe, expect, it } from "vitest";
import { parseFdLimit, wantedFdLimit } from "./fd-limit";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes`;

describe("parseFdLimit", () => {
  it("reads the open-files line", () => {
    expect(parseFdLimit(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseFdLimit("Max open files  unlimited  unlimited  files")).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseFdLimit("nothing here")).toBeNull();
  });
});

describe("wantedFdLimit", () => {
  it.each([
    ["soft below hard, unprivileged: up to hard", { soft: 1024, hard: 4096 }, false, 4096],
    ["already at hard, unprivileged: nothing", { soft: 4096, hard: 4096 }, false, null],
    ["root: hard raised to the target", { soft: 20_000, hard: 20_000 }, true, 65_536],
    ["root, already above the target: nothing", { soft: 1_048_576, hard: 1_048_576 }, true, null],
    ["soft already above the target: nothing", { soft: 100_000, hard: 200_000 }, false, null],
  ])("%s", (_name, current, privileged, expected) => {
    expect(wantedFdLimit(current, 65_536, privileged, 1_048_576)).toBe(expected);
  });

  it("never asks above the kernel's nr_open", () => {
    expect(wantedFdLimit({ soft: 1024, hard: 1024 }, 65_536, true, 32_768)).toBe(32_768);
  });
});
