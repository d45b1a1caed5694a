import { describe, expect, it } from "vitest";
import { barWidth, formatConfidence, formatProbability, isMismatch, predictionBadge, reviewBars } from "./predictions";

describe("formatConfidence", () => {
  it("rounds to whole percent", () => {
    expect(formatConfidence(0.983)).toBe("98%");
    expect(formatConfidence(0.5)).toBe("50%");
    expect(formatConfidence(0.254)).toBe("25%");
  });

  it("never shows an uncertain value as 0% or 100%", () => {
    expect(formatConfidence(0.9996)).toBe(">99%");
    expect(formatConfidence(0.995)).toBe(">99%");
    expect(formatConfidence(0.994)).toBe("99%");
    expect(formatConfidence(0.004)).toBe("<1%");
    expect(formatConfidence(1)).toBe("100%");
    expect(formatConfidence(0)).toBe("0%");
  });

  it("shows a dash for missing values", () => {
    expect(formatConfidence(null)).toBe("—");
    expect(formatConfidence(undefined)).toBe("—");
    expect(formatConfidence(Number.NaN)).toBe("—");
  });
});

describe("formatProbability", () => {
  it("keeps one decimal", () => {
    expect(formatProbability(0.9834)).toBe("98.3%");
    expect(formatProbability(0.25)).toBe("25.0%");
    expect(formatProbability(0.0004)).toBe("<0.1%");
    expect(formatProbability(0.99996)).toBe(">99.9%");
    expect(formatProbability(1)).toBe("100%");
    expect(formatProbability(null)).toBe("—");
  });
});

describe("predictionBadge / isMismatch", () => {
  it("formats the grid badge", () => {
    expect(predictionBadge("7", 0.98)).toBe("7 · 98%");
    expect(predictionBadge("cat", null)).toBe("cat");
    expect(predictionBadge(null, null)).toBeNull();
  });

  it("flags a prediction that differs from a given label", () => {
    expect(isMismatch("cat", "dog")).toBe(true);
    expect(isMismatch("cat", "cat")).toBe(false);
    expect(isMismatch(null, "dog")).toBe(false); // unlabeled
    expect(isMismatch("", "dog")).toBe(false);
    expect(isMismatch("cat", null)).toBe(false); // no prediction
  });
});

describe("barWidth", () => {
  it("maps probabilities to percent widths with a visible minimum", () => {
    expect(barWidth(0.5)).toBe(50);
    expect(barWidth(1.2)).toBe(100);
    expect(barWidth(0.001)).toBe(0.5);
    expect(barWidth(0)).toBe(0);
    expect(barWidth(Number.NaN)).toBe(0);
  });
});

describe("reviewBars", () => {
  const top: [string, number][] = [
    ["8", 0.894],
    ["1", 0.071],
    ["3", 0.016],
    ["4", 0.016],
    ["6", 0.002],
    ["9", 0.0005],
    ["5", 0.0003],
  ];
  it("keeps the five most probable classes", () => {
    expect(reviewBars(top, null).map(([c]) => c)).toEqual(["8", "1", "3", "4", "6"]);
    expect(reviewBars(top, "3").map(([c]) => c)).toEqual(["8", "1", "3", "4", "6"]);
    expect(reviewBars(top.slice(0, 3), "5")).toEqual(top.slice(0, 3));
  });
  it("gives the last place to the given label when it ranks lower", () => {
    expect(reviewBars(top, "5").map(([c]) => c)).toEqual(["8", "1", "3", "4", "5"]);
  });
});
