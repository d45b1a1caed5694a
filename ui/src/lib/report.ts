/**
 * Helpers for reading the project report (`project_report`, typed as `ProjectReportDto` in
 * `../bindings/`, the same fields as `arbiter report --json`). The report's types are generated
 * from the Rust side; a statistic the data cannot define arrives as `null` (never NaN), and
 * `agreement.undefined` says why, keyed by its path (`fleiss_kappa`, `cohen_kappa.ana/ben.kappa`,
 * `per_label.cat`, `per_annotator.ana.kappa`, …). What the dashboard derives from it for its
 * cards and charts is in `reportData.ts`.
 */

/** A statistic: a finite number, or null when it is undefined for the data. */
export type Num = number | null;

/** A finite number, else null (NaN, ±Infinity, strings and missing values become null). */
export function num(v: unknown): Num {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A non-negative finite number, else 0. */
export function count(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** Own property lookup (label names such as "constructor" must not hit the prototype). */
export function own<T>(record: { [key in string]: T }, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
