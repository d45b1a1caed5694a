/**
 * Scores on gold items for the Dashboard: each annotator's accuracy on the gold items they
 * labeled with its 95% Wilson interval (from `annotators[].gold`), and — for a lead, whose
 * report carries the answers (`gold.annotators`) — the gold items each one missed.
 */
import type { Estimate } from "../bindings/Estimate";
import type { GoldMissed } from "../bindings/GoldMissed";
import type { ProjectReportDto } from "../bindings/ProjectReportDto";
import { toCsv } from "./chartCsv";

export interface GoldRow {
  name: string;
  estimate: Estimate;
  /** The gold items this annotator missed; null when the report leaves the answers out. */
  missed: GoldMissed[] | null;
}

/** Annotators with at least one label on a gold item, by name. */
export function goldRows(r: ProjectReportDto): GoldRow[] {
  const details = new Map(r.gold.annotators.map((g) => [g.annotator, g]));
  return r.annotators
    .filter((a) => a.gold.items > 0)
    .map((a) => ({ name: a.annotator, estimate: a.gold, missed: details.get(a.annotator)?.missed ?? null }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The card's CSV: one row per annotator, and per missed item when the answers are known. */
export function goldCsv(rows: GoldRow[]): string {
  return toCsv(
    ["annotator", "gold_items", "correct", "accuracy", "ci_low", "ci_high", "missed_items"],
    rows.map((r) => [
      r.name,
      r.estimate.items,
      r.estimate.correct,
      r.estimate.accuracy,
      r.estimate.low,
      r.estimate.high,
      r.missed === null ? null : r.missed.map((m) => `${m.item_id} (${m.given}, answer ${m.gold})`).join("; "),
    ]),
  );
}
