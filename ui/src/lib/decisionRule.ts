import type { DecisionMode } from "../bindings/DecisionMode";
import type { DecisionRuleDto } from "../bindings/DecisionRuleDto";

export const RULE_MODES: readonly DecisionMode[] = ["majority", "unanimous", "dawid-skene"];

/** A mode's name in the rule form's menu. */
export function modeText(mode: DecisionMode): string {
  if (mode === "majority") return "Majority (or all agree)";
  if (mode === "unanimous") return "Unanimous";
  return "By annotator quality (Dawid–Skene)";
}

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
      : rule.mode === "dawid-skene"
        ? `the most probable label given each annotator's estimated reliability (Dawid–Skene), from at least ${who}; a tie, or a label no vote gave, goes to a reviewer`
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
