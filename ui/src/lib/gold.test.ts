import { describe, expect, it } from "vitest";
import { goldCsv, goldRows } from "./gold";
import { rawReport } from "./report.fixture";

describe("gold rows", () => {
  it("lists the annotators with gold labels, by name, with the missed items a lead's report carries", () => {
    const r = rawReport();
    const rows = goldRows(r);
    expect(rows.map((x) => [x.name, x.estimate.items, x.estimate.correct])).toEqual([
      ["ana", 12, 9],
      ["ben", 4, 1],
    ]);
    expect(rows[0]?.missed?.map((m) => m.item_id)).toEqual(["img_1", "img_2", "img_3"]);
    expect(rows[1]?.missed?.map((m) => m.item_id)).toEqual(["img_7", "img_9", "img_12"]);
    // Without the answers (an annotator's report over `arbiter serve`): no missed list at all.
    r.gold.annotators = [];
    expect(goldRows(r).map((x) => x.missed)).toEqual([null, null]);
  });
  it("writes one CSV row per annotator", () => {
    const csv = goldCsv(goldRows(rawReport())).trim().split(/\r?\n/);
    expect(csv[0]).toBe("annotator,gold_items,correct,accuracy,ci_low,ci_high,missed_items");
    expect(csv[2]).toContain("ben,4,1,0.25,");
    expect(csv[2]).toContain("img_7 (dog, answer cat)");
  });
});
