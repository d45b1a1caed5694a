import type { DecisionMode } from "../bindings/DecisionMode";
import type { DecisionRuleDto } from "../bindings/DecisionRuleDto";

export const RULE_MODES: readonly DecisionMode[] = ["majority", "unanimous"];

/** The mode a select's value names, if it names one. */
export function ruleMode(text: string): DecisionMode | undefined {
  return RULE_MODES.find((m) => m === text);
}

/** The rule in one sentence, as the core applies it (crates/arbiter-core/src/decide.rs). */
export function describeRule(rule: DecisionRuleDto): string {
  const n = rule.minAnnotators;
  const who = `${n} annotator${n === 1 ? "" : "s"}`;
  const how =
    rule.mode === "unanimous"
      ? `every vote agrees, from at least ${who}`
      : `all agree or a strict majority, from at least ${who}`;
  return `${how} (an overlap item waits for its k); a reviewer's decision always wins`;
}

/** Reads the form's minimum: a whole number from 1 to 1000, or a message saying what is wrong. */
export function parseMinAnnotators(text: string): { value: number } | { error: string } {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return { error: "Minimum annotators: a whole number such as 2" };
  const value = Number(t);
  if (value < 1 || value > 1000) return { error: "Minimum annotators: from 1 to 1000" };
  return { value };
}
