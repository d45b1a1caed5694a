import { describe, expect, it } from "vitest";
import { describeRule, modeText, parseMinAnnotators, RULE_MODES, ruleMode } from "./decisionRule";

describe("decision rule helpers", () => {
  it("describes each mode with the minimum", () => {
    expect(describeRule({ mode: "majority", minAnnotators: 1 })).toBe(
      "all agree or a strict majority, from at least 1 annotator (an overlap item waits for its k); a reviewer's decision always wins",
    );
    expect(describeRule({ mode: "unanimous", minAnnotators: 3 })).toContain("every vote agrees, from at least 3 annotators");
  });

  it("offers the Dawid–Skene mode and describes it", () => {
    expect(RULE_MODES).toContain("dawid-skene");
    expect(ruleMode("dawid-skene")).toBe("dawid-skene");
    expect(modeText("dawid-skene")).toBe("By annotator quality (Dawid–Skene)");
    expect(describeRule({ mode: "dawid-skene", minAnnotators: 2 })).toContain(
      "the most probable label given each annotator's estimated reliability (Dawid–Skene), from at least 2 annotators; a tie, or a label no vote gave, goes to a reviewer",
    );
  });

  it("accepts whole numbers from 1 to 1000 only", () => {
    expect(parseMinAnnotators(" 2 ")).toEqual({ value: 2 });
    expect(parseMinAnnotators("1000")).toEqual({ value: 1000 });
    for (const bad of ["", "0", "1.5", "-1", "two", "1001"]) {
      expect(parseMinAnnotators(bad)).toHaveProperty("error");
    }
  });
});
