import { describe, expect, it } from "vitest";
import { labelPairs, modelText, pairKey, voteTally, withPair } from "./conflicts";

const votes = (...labels: string[]) => labels.map((label) => ({ label }));

describe("voteTally", () => {
  it("counts each label, most given first", () => {
    expect(voteTally(votes("dog", "cat", "dog"))).toBe("dog ×2 · cat ×1");
    expect(voteTally(votes("10", "9"))).toBe("9 ×1 · 10 ×1");
    expect(voteTally([])).toBe("");
  });
});

describe("label pairs", () => {
  const list = [{ votes: votes("8", "3") }, { votes: votes("3", "8", "8") }, { votes: votes("1", "7") }, { votes: votes("10", "3", "1") }];
  it("names a pair in label order whatever the votes' order", () => {
    expect(pairKey(votes("8", "3"))).toBe("3 vs 8");
    expect(pairKey(votes("10", "3", "1"))).toBe("1 vs 3 vs 10");
  });
  it("lists the pairs most frequent first and filters by one", () => {
    expect(labelPairs(list)).toEqual([
      { key: "3 vs 8", count: 2 },
      { key: "1 vs 3 vs 10", count: 1 },
      { key: "1 vs 7", count: 1 },
    ]);
    expect(withPair(list, "3 vs 8")).toHaveLength(2);
    expect(withPair(list, null)).toHaveLength(4);
  });
});

describe("modelText", () => {
  it("says what the newest run predicted", () => {
    expect(modelText({ run: 1, predicted: "9", confidence: 0.724 })).toBe("9 · 72%");
    expect(modelText({ run: 1, predicted: null, confidence: null })).toBe("no prediction (run 1)");
    expect(modelText({ run: null, predicted: null, confidence: null })).toBe("no finished run");
  });
});
