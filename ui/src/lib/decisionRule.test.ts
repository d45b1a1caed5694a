import { describe, expect, it } from "vitest";
import { describeRule, parseMinAnnotators } from "./decisionRule";

describe("decision rule helpers", () => {
  it("describes each mode with the minimum", () => {
    expect(describeRule({ mode: "majority", minAnnotators: 1 })).toBe(
      "all agree or a strict majority, from at least 1 annotator (an overlap item waits for its k); a reviewer's decision always wins",
    );
    expect(describeRule({ mode: "unanimous", minAnnotators: 3 })).toContain("every vote agrees, from at least 3 annotators");
  });

  it("accepts whole numbers from 1 to 1000 only", () => {
    expect(parseMinAnnotators(" 2 ")).toEqual({ value: 2 });
    expect(parseMinAnnotators("1000")).toEqual({ value: 1000 });
    for (const bad of ["", "0", "1.5", "-1", "two", "1001"]) {
      expect(parseMinAnnotators(bad)).toHaveProperty("error");
    }
  });
});
