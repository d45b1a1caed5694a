/**
 * What the grid and the item view show of an item's review: its status, the final label beside
 * the given one, flags, and the decision's votes (with their reasons and notes) in words.
 */
import type { DecisionDto } from "../bindings/DecisionDto";
import type { ItemSummary } from "../bindings/ItemSummary";
import type { VoteDto } from "../bindings/VoteDto";
import { formatProbability } from "./predictions";

/** Where an item's review stands, as the grid marks it (`pending` reads "waiting for votes"). */
export type CellStatus = "decided" | "conflict" | "waiting";

export function cellStatus(review: string | null): CellStatus | null {
  if (review === "decided") return "decided";
  if (review === "conflict") return "conflict";
  if (review === "pending") return "waiting";
  return null;
}

export const STATUS_TEXT: Record<CellStatus, string> = {
  decided: "Decided",
  conflict: "Conflict",
  waiting: "Waiting for votes",
};

/** The one-glyph mark of a status on a thumbnail (the words are in its tooltip). */
export const STATUS_MARK: Record<CellStatus, string> = { decided: "✓", conflict: "!", waiting: "…" };

export interface ShownLabel {
  /** What the cell's label line says: the final label once decided, else the given one. */
  label: string | null;
  /** `label` is the decided (final) label. */
  final: boolean;
  /** The decision changed the given label (both shown: the given one struck through). */
  changed: boolean;
  given: string | null;
}

export function shownLabel(item: Pick<ItemSummary, "label" | "finalLabel">): ShownLabel {
  const given = item.label && item.label !== "" ? item.label : null;
  if (item.finalLabel !== null && item.finalLabel !== "") {
    return { label: item.finalLabel, final: true, changed: given !== null && given !== item.finalLabel, given };
  }
  return { label: given, final: false, changed: false, given };
}

/** The review lines of a cell's tooltip ("Final label: 9 (given 8)", "Flagged", …). */
export function reviewLines(item: Pick<ItemSummary, "label" | "finalLabel" | "review" | "flagged">): string[] {
  const lines: string[] = [];
  const s = shownLabel(item);
  const status = cellStatus(item.review);
  if (s.final) lines.push(`Final label: ${s.label}${s.changed ? ` (given ${s.given})` : ""}`);
  else if (status === "conflict") lines.push("Conflict: the annotators disagree — waiting for a reviewer");
  else if (status === "waiting") lines.push("Waiting for more annotators' labels");
  if (item.flagged) lines.push("Flagged unsure or bad input");
  return lines;
}

/** "Decided “9” — a strict majority of 3 votes (ana, ben)": what a decision says in words. */
export function decisionText(d: DecisionDto): string {
  const n = d.votes.length;
  const who = d.deciders.length ? ` (${d.deciders.join(", ")})` : "";
  if (d.status === "decided") {
    const label = `Decided “${d.label}”`;
    if (d.rule === "override") return `${label} — a reviewer's decision${d.deciders.length ? ` by ${d.deciders.join(", ")}` : ""}`;
    if (d.rule === "majority") return `${label} — a strict majority of ${n} votes${who}`;
    if (d.rule === "auto") return `${label} — accepted automatically: the model's prediction, above a certified auto-accept threshold`;
    if (d.rule === "gold") return `${label} — a gold item's answer${n ? ` (${n} vote${n === 1 ? "" : "s"} beside it)` : ""}`;
    if (d.rule === "dawid-skene") {
      const p = d.probability === null ? "" : `, ${formatProbability(d.probability)} probable`;
      return `${label} — by annotator quality over ${n} vote${n === 1 ? "" : "s"}${p}${who}`;
    }
    if (n === 1) return `${label} — one vote${who}`;
    return `${label} — all ${n} votes agree${who}`;
  }
  if (d.status === "conflict" && d.posterior !== null) {
    return `Conflict — by annotator quality ${tieOrUnvoted(d)}; a reviewer decides`;
  }
  if (d.status === "conflict") return `Conflict — ${n} votes disagree and no rule decides; a reviewer decides`;
  if (n === 0) return "No label given yet";
  return `Waiting for votes — ${n} of ${d.votesNeeded} needed`;
}

/** Why a posterior decides nothing: its top two tie, or no vote gave its most probable label. */
function tieOrUnvoted(d: DecisionDto): string {
  const [first, second] = d.posterior ?? [];
  if (first && second && first.probability - second.probability <= 1e-9) {
    return `“${first.label}” and “${second.label}” are equally probable`;
  }
  if (first) return `the most probable label “${first.label}” is one no vote gave`;
  return "nothing is probable";
}

/**
 * The posterior as bars, most probable first: at most `max` labels, and beyond the first none
 * that would read "<0.1%" (noise beside a decision).
 */
export function posteriorBars(d: Pick<DecisionDto, "posterior">, max = 4): [string, number][] {
  return (d.posterior ?? [])
    .slice(0, max)
    .filter((p, i) => i === 0 || p.probability >= 0.0005)
    .map((p) => [p.label, p.probability]);
}

/** A vote's source in words, when it is not a plain label ("accepted the model", "override"). */
export function voteSourceText(v: Pick<VoteDto, "source">): string | null {
  if (v.source === "accepted_prediction") return "accepted the model";
  if (v.source === "override") return "override";
  return null;
}
