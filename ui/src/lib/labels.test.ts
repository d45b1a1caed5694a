import { describe, expect, it } from "vitest";
import type { LabelInfo } from "../bindings/LabelInfo";
import { FILTER_ALL, filterFromValue, filterOptions, filterValue, labelColorMap } from "./labels";

const label = (name: string, position: number, color = "#123456"): LabelInfo => ({
  name,
  hotkey: null,
  color,
  guideline: null,
  position,
});

describe("filterOptions", () => {
  it("lists All, Unlabeled, schema labels in order, then other labels, with counts", () => {
    const opts = filterOptions(
      [
        { label: "dog", count: 5 },
        { label: null, count: 3 },
        { label: "zebra", count: 1 },
        { label: "cat", count: 2 },
        { label: "aardvark", count: 4 },
      ],
      [label("dog", 1), label("cat", 0), label("owl", 2)],
    );
    expect(opts.map((o) => [o.value, o.text, o.count])).toEqual([
      [FILTER_ALL, "All", 15],
      ["", "Unlabeled", 3],
      ["cat", "cat", 2],
      ["dog", "dog", 5],
      ["owl", "owl", 0],
      ["aardvark", "aardvark", 4],
      ["zebra", "zebra", 1],
    ]);
  });

  it("has no counts while they are loading", () => {
    const opts = filterOptions(null, [label("cat", 0)]);
    expect(opts.map((o) => o.count)).toEqual([null, null, null]);
  });
});

describe("filter value mapping", () => {
  it("round-trips ItemQuery.label values", () => {
    for (const l of [null, "", "cat"]) expect(filterFromValue(filterValue(l))).toBe(l);
    expect(filterValue(null)).toBe(FILTER_ALL);
    expect(filterValue("")).toBe("");
  });
});

describe("labelColorMap", () => {
  it("maps names to colours with a fallback for empty colours", () => {
    const m = labelColorMap([label("a", 0, "#ff0000"), label("b", 1, "")]);
    expect(m.get("a")).toBe("#ff0000");
    expect(m.get("b")).toMatch(/^#/);
  });
});
