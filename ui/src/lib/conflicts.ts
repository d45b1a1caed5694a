/** What the Conflicts screen shows of a conflict: the vote tally, the label pair, the model's view. */
import type { ConflictDto } from "../bindings/ConflictDto";
import type { VoteDto } from "../bindings/VoteDto";
import { formatConfidence } from "./predictions";

const byLabel = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

/** "cat ×2 · dog ×1": the labels given and how many people gave each (most first). */
export function voteTally(votes: readonly Pick<VoteDto, "label">[]): string {
  const counts = new Map<string, number>();
  for (const v of votes) counts.set(v.label, (counts.get(v.label) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || byLabel(a[0], b[0]))
    .map(([l, n]) => `${l} ×${n}`)
    .join(" · ");
}

/** The labels the annotators disagree between, in label order: "3 vs 8" (a three-way split: "1 vs 3 vs 8"). */
export function pairKey(votes: readonly Pick<VoteDto, "label">[]): string {
  return [...new Set(votes.map((v) => v.label))].sort(byLabel).join(" vs ");
}

/** The label pairs in a list of conflicts, most frequent first, with how many conflicts each. */
export function labelPairs(list: readonly { votes: readonly Pick<VoteDto, "label">[] }[]): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const c of list) {
    const k = pairKey(c.votes);
    if (k !== "") counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || byLabel(a.key, b.key));
}

/** The conflicts between this label pair (`null` = all). */
export function withPair<T extends { votes: readonly Pick<VoteDto, "label">[] }>(list: readonly T[], pair: string | null): T[] {
  return pair === null ? [...list] : list.filter((c) => pairKey(c.votes) === pair);
}

/** "model 9 · 72%", "no prediction" — the newest finished run's view of the item. */
export function modelText(c: Pick<ConflictDto, "run" | "predicted" | "confidence">): string {
  if (c.run === null) return "no finished run";
  if (c.predicted === null) return `no prediction (run ${c.run})`;
  return c.confidence === null ? c.predicted : `${c.predicted} · ${formatConfidence(c.confidence)}`;
}
