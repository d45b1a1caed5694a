/** The Compare view's logic: each run's figures as an interval, and a verdict in plain words. */

import type { ComparisonDto } from "../bindings/ComparisonDto";
import type { Estimate } from "../bindings/Estimate";
import type { RunFiguresDto } from "../bindings/RunFiguresDto";

/** A run's accuracy as the `IntervalBar` draws it. */
export function estimateOf(r: RunFiguresDto, items: number): Estimate {
  return { items, correct: r.correct, accuracy: r.accuracy, low: r.ci_low, high: r.ci_high };
}

/** "0.0003", "< 0.0001", "1". */
export function formatP(p: number): string {
  if (p >= 0.9999) return "1";
  if (p < 0.0001) return "< 0.0001";
  return p < 0.01 ? p.toFixed(4) : p.toFixed(3);
}

/** Percentage points, one decimal: "2.5 points". */
function points(d: number): string {
  const v = Math.abs(d * 100).toFixed(1);
  return `${v} ${v === "1.0" ? "point" : "points"}`;
}

/** Below this McNemar p the runs' answers differ by more than chance. */
export const SIGNIFICANT_P = 0.05;

/**
 * One sentence for people: which run is more accurate, by how much, and whether the flips say
 * that is more than chance (McNemar's exact test at 5%).
 */
export function verdict(c: ComparisonDto): string {
  const [a, b] = c.runs;
  if (!a || !b || a.accuracy === null || b.accuracy === null) return "Nothing to compare.";
  const on = `${c.items} decided ${c.items === 1 ? "item" : "items"}`;
  if (c.flips.total === 0) {
    return `Runs ${a.run} and ${b.run} get exactly the same items right on ${on}: no difference.`;
  }
  const diff = b.accuracy - a.accuracy;
  const p = formatP(c.mcnemar_p);
  if (c.mcnemar_p < SIGNIFICANT_P) {
    const better = diff >= 0 ? b : a;
    const worse = diff >= 0 ? a : b;
    return `Run ${better.run} is ${points(diff)} more accurate than run ${worse.run} on ${on}, and the ${c.flips.total} items only one of them gets right say this is not chance (McNemar p = ${p}).`;
  }
  return `No clear difference on ${on}: ${diff === 0 ? "the same accuracy" : `run ${diff > 0 ? b.run : a.run} is ${points(diff)} ahead`}, but the ${c.flips.total} ${c.flips.total === 1 ? "item" : "items"} only one run gets right could be chance (McNemar p = ${p}).`;
}
