/**
 * DEV PREVIEW ONLY — the fake backend's decision rule, the same as the core's (`decide.rs`):
 * 1. the latest override decides, however few votes there are;
 * 2. else each annotator's latest label is one vote, and an item with votes from fewer than
 *    `max(minAnnotators, needed)` annotators is pending (`needed`: how many people its queues
 *    send it to, 1 outside any queue);
 * 3. else all the same → unanimous; in majority mode a strict majority → majority; otherwise a
 *    conflict.
 */

/** A label event, oldest first (retracted ones already left out). */
export interface LabelVote {
  id: number;
  annotator: string;
  label: string | null;
  source: string;
  createdAt: string;
}

export interface MockRule {
  mode: string;
  minAnnotators: number;
}

export interface MockDecision<V extends LabelVote> {
  status: "decided" | "conflict" | "pending";
  label: string | null;
  rule: "override" | "unanimous" | "majority" | null;
  votes: V[];
  deciders: string[];
  decidedAt: string | null;
  votesNeeded: number;
}

export function decideVotes<V extends LabelVote>(labels: readonly V[], rule: MockRule, needed: number): MockDecision<V> {
  const votesNeeded = Math.max(rule.minAnnotators, needed, 1);
  const override = [...labels].reverse().find((e) => e.source === "override");
  if (override) {
    return {
      status: "decided",
      label: override.label,
      rule: "override",
      votes: [override],
      deciders: [override.annotator],
      decidedAt: override.createdAt,
      votesNeeded,
    };
  }
  const latest = new Map<string, V>();
  for (const e of labels) latest.set(e.annotator, e);
  const votes = [...latest.values()].sort((a, b) => a.id - b.id);
  const undecided = (status: "pending" | "conflict"): MockDecision<V> => ({
    status,
    label: null,
    rule: null,
    votes,
    deciders: [],
    decidedAt: null,
    votesNeeded,
  });
  if (votes.length === 0 || votes.length < votesNeeded) return undecided("pending");
  const tally = new Map<string, number>();
  for (const v of votes) tally.set(v.label ?? "", (tally.get(v.label ?? "") ?? 0) + 1);
  let top = "";
  let n = 0;
  for (const [label, count] of tally) {
    if (count > n) [top, n] = [label, count];
  }
  const how = n === votes.length ? "unanimous" : rule.mode === "majority" && n * 2 > votes.length ? "majority" : null;
  if (how === null) return undecided("conflict");
  const decidedAt = votes.map((v) => v.createdAt).reduce((a, b) => (b > a ? b : a));
  return {
    status: "decided",
    label: top,
    rule: how,
    votes,
    deciders: votes.filter((v) => (v.label ?? "") === top).map((v) => v.annotator),
    decidedAt,
    votesNeeded,
  };
}
