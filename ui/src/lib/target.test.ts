import { describe, expect, it } from "vitest";
import type { TargetVerdict } from "../bindings/TargetVerdict";
import { buildTarget, defaultTargetForm, figureText, needsOverride, targetText } from "./target";

const verdict = (over: Partial<TargetVerdict> = {}): TargetVerdict => ({
  target: { statistic: "percent_agreement", min: 0.8, on: "estimate" },
  status: "fail",
  value: 0.6,
  interval: { low: 0.3, high: 0.9 },
  compared: 0.6,
  reason: null,
  summary: "fail: …",
  ...over,
});

describe("agreement target form", () => {
  it("builds a target in the statistic's range and refuses one outside, naming the value", () => {
    expect(buildTarget({ statistic: "gwet_ac1", min: "-0.5", on: "ci_low" })).toEqual({
      ok: true,
      request: { statistic: "gwet_ac1", min: -0.5, on: "ci_low" },
    });
    const pct = buildTarget({ statistic: "percent_agreement", min: "-0.5", on: "estimate" });
    expect(pct.ok).toBe(false);
    expect(!pct.ok && pct.errors.min).toBe("-0.5: a number from 0 to 1");
    for (const bad of ["1.2", "abc", "", "0.8x"]) {
      expect(buildTarget({ statistic: "krippendorff_alpha", min: bad, on: "estimate" }).ok).toBe(false);
    }
  });

  it("starts from the current target, else alpha ≥ 0.8", () => {
    expect(defaultTargetForm(null)).toEqual({ statistic: "krippendorff_alpha", min: "0.8", on: "estimate" });
    expect(defaultTargetForm({ statistic: "fleiss_kappa", min: 0.6, on: "ci_low" }).min).toBe("0.6");
  });

  it("says the target and the figure with its interval", () => {
    expect(targetText(verdict().target)).toBe("Percent agreement ≥ 0.80 on the estimate");
    expect(figureText(verdict())).toBe("0.600 (95% 0.300–0.900)");
    expect(figureText(verdict({ value: null, interval: null }))).toBe("undefined");
    expect(figureText(verdict({ interval: null }))).toBe("0.600 (no interval)");
  });

  it("asks for the override unless the target passes", () => {
    expect(needsOverride(null)).toBe(false);
    expect(needsOverride(verdict({ status: "pass" }))).toBe(false);
    expect(needsOverride(verdict())).toBe(true);
    expect(needsOverride(verdict({ status: "insufficient" }))).toBe(true);
  });
});
