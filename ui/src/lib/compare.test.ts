import { describe, expect, it } from "vitest";
import type { ComparisonDto } from "../bindings/ComparisonDto";
import type { RunFiguresDto } from "../bindings/RunFiguresDto";
import { estimateOf, formatP, verdict } from "./compare";

const fig = (run: number, accuracy: number, correct = Math.round(accuracy * 50)): RunFiguresDto => ({
  run,
  model: `m${run}@1`,
  correct,
  accuracy,
  ci_low: accuracy - 0.1,
  ci_high: Math.min(1, accuracy + 0.1),
  macro_f1: accuracy,
  ece: 0.05,
});

const cmp = (a: number, b: number, aOnly: number, bOnly: number, p: number): ComparisonDto => ({
  on: null,
  items: 50,
  runs: [fig(1, a), fig(2, b)],
  flips: { total: aOnly + bOnly, "a_only": aOnly, "b_only": bOnly },
  mcnemar_p: p,
});

describe("compare", () => {
  it("draws each run's accuracy with its interval", () => {
    expect(estimateOf(fig(1, 0.9, 45), 50)).toEqual({ items: 50, correct: 45, accuracy: 0.9, low: 0.8, high: 1 });
  });

  it("formats p-values", () => {
    expect(formatP(1)).toBe("1");
    expect(formatP(0.00001)).toBe("< 0.0001");
    expect(formatP(0.0034)).toBe("0.0034");
    expect(formatP(0.42)).toBe("0.420");
  });

  it("says which run is better when the flips are not chance", () => {
    expect(verdict(cmp(0.98, 0.2, 39, 0, 1e-9))).toBe(
      "Run 1 is 78.0 points more accurate than run 2 on 50 decided items, and the 39 items only one of them gets right say this is not chance (McNemar p = < 0.0001).",
    );
    expect(verdict(cmp(0.8, 0.9, 1, 6, 0.0125))).toContain("Run 2 is 10.0 points more accurate than run 1");
  });

  it("says when a difference could be chance, or there is none", () => {
    expect(verdict(cmp(0.9, 0.88, 2, 1, 1))).toBe(
      "No clear difference on 50 decided items: run 1 is 2.0 points ahead, but the 3 items only one run gets right could be chance (McNemar p = 1).",
    );
    expect(verdict(cmp(0.9, 0.9, 0, 0, 1))).toBe("Runs 1 and 2 get exactly the same items right on 50 decided items: no difference.");
  });
});
