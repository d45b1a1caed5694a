import { describe, expect, it } from "vitest";
import { highlightParts } from "./textHighlight";

describe("highlightParts", () => {
  it("marks every occurrence, whatever its case, and keeps the text between", () => {
    expect(highlightParts("The battery. A BATTERY lasts", "battery")).toEqual([
      { text: "The ", match: false },
      { text: "battery", match: true },
      { text: ". A ", match: false },
      { text: "BATTERY", match: true },
      { text: " lasts", match: false },
    ]);
  });

  it("treats the term as text, not a pattern", () => {
    expect(highlightParts("costs 1.5 (or 15)", "(or")).toEqual([
      { text: "costs 1.5 ", match: false },
      { text: "(or", match: true },
      { text: " 15)", match: false },
    ]);
    expect(highlightParts("a.b", ".")).toEqual([
      { text: "a", match: false },
      { text: ".", match: true },
      { text: "b", match: false },
    ]);
  });

  it("gives the whole text for a blank or absent term, or no match", () => {
    expect(highlightParts("hello", "  ")).toEqual([{ text: "hello", match: false }]);
    expect(highlightParts("hello", null)).toEqual([{ text: "hello", match: false }]);
    expect(highlightParts("hello", "xyz")).toEqual([{ text: "hello", match: false }]);
  });
});
