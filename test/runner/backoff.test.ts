// Reconnect delays: full jitter below a doubling ceiling, capped; random source fixed.
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../shared/backoff.ts";

const fixed = (value: number) => ({ baseMs: 500, capMs: 30_000, random: () => value });

describe("backoffDelay", () => {
  it("doubles the ceiling with every attempt", () => {
    const delays = [0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, fixed(0.5)));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000]);
  });

  it("never exceeds the cap, however many attempts", () => {
    expect(backoffDelay(6, fixed(0.999))).toBe(29_970);
    expect(backoffDelay(10, fixed(0.5))).toBe(15_000);
    expect(backoffDelay(5000, fixed(0.999))).toBe(29_970);
  });

  it("spreads delays over the whole range (full jitter)", () => {
    expect(backoffDelay(3, fixed(0))).toBe(0);
    expect(backoffDelay(3, fixed(0.25))).toBe(1000);
    expect(backoffDelay(3, fixed(0.999))).toBe(3996);
  });

  it("treats a negative attempt as the first", () => {
    expect(backoffDelay(-1, fixed(0.5))).toBe(250);
  });
});
