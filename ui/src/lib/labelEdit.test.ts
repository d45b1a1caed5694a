import { describe, expect, it } from "vitest";
import type { LabelInfo } from "../bindings/LabelInfo";
import { labelEdit, newLabelNames } from "./labelEdit";

const cat: LabelInfo = { name: "cat", hotkey: "1", color: "#E5484D", guideline: "Domestic cats", position: 0 };

describe("labelEdit", () => {
  it("sends only what changed: null keeps, an emptied field clears", () => {
    expect(labelEdit(cat, { hotkey: "1", color: "#e5484d", guideline: "Domestic cats" })).toBeNull();
    expect(labelEdit(cat, { hotkey: "c", color: "#e5484d", guideline: "Domestic cats" })).toEqual({
      name: "cat",
      hotkey: "c",
      color: null,
      guideline: null,
    });
    expect(labelEdit(cat, { hotkey: "", color: "#00ff00", guideline: " " })).toEqual({
      name: "cat",
      hotkey: "",
      color: "#00ff00",
      guideline: "",
    });
  });

  it("gives a label without hotkey or guideline one", () => {
    const bare: LabelInfo = { name: "dog", hotkey: null, color: "#3e63dd", guideline: null, position: 1 };
    expect(labelEdit(bare, { hotkey: "", color: "#3e63dd", guideline: "" })).toBeNull();
    expect(labelEdit(bare, { hotkey: "d", color: "#3e63dd", guideline: "Any dog" })).toEqual({
      name: "dog",
      hotkey: "d",
      color: null,
      guideline: "Any dog",
    });
  });
});

describe("guideline examples", () => {
  it("sends the example list only when it changed, as ids", () => {
    const same = { hotkey: "1", color: "#e5484d", guideline: "Domestic cats", examples: "img_1, img_2" };
    expect(labelEdit(cat, same, ["img_1", "img_2"])).toBeNull();
    expect(labelEdit(cat, { ...same, examples: " img_2,, img_9, img_2 " }, ["img_1", "img_2"])).toEqual({
      name: "cat",
      hotkey: null,
      color: null,
      guideline: null,
      examples: ["img_2", "img_9"],
    });
    expect(labelEdit(cat, { ...same, examples: "" }, ["img_1"])).toMatchObject({ examples: [] });
  });
});

describe("newLabelNames", () => {
  it("splits on commas and lines, dropping blanks and repeats", () => {
    expect(newLabelNames(" fox, wolf,,fox\nbear ")).toEqual(["fox", "wolf", "bear"]);
    expect(newLabelNames(" , ")).toEqual([]);
  });
});
