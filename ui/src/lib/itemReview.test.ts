import { describe, expect, it } from "vitest";
import type { DecisionDto } from "../bindings/DecisionDto";
import type { VoteDto } from "../bindings/VoteDto";
import { cellStatus, decisionText, posteriorBars, reviewLines, shownLabel } from "./itemReview";

const vote = (annotator: string, label: string, over: Partial<VoteDto> = {}): VoteDto => ({
  annotation: 1,
  annotator,
  label,
  reason: null,
  note: null,
  source: "manual",
  createdAt: "2026-01-01T00:00:00Z",
  ...over,
});

const decision = (over: Partial<DecisionDto>): DecisionDto => ({
  itemId: "x",
  rowid: 1,
  status: "pending",
  label: null,
  rule: null,
  votes: [],
  deciders: [],
  decidedAt: null,
  votesNeeded: 2,
  posterior: null,
  probability: null,
  ...over,
});

describe("cellStatus", () => {
  it("reads the backend's review status, pending as waiting", () => {
    expect(cellStatus("decided")).toBe("decided");
    expect(cellStatus("conflict")).toBe("conflict");
    expect(cellStatus("pending")).toBe("waiting");
    expect(cellStatus(null)).toBeNull();
  });
});

describe("shownLabel", () => {
  it("shows the final label once decided, with the given one when they differ", () => {
    expect(shownLabel({ label: "8", finalLabel: "9" })).toEqual({ label: "9", final: true, changed: true, given: "8" });
    expect(shownLabel({ label: "9", finalLabel: "9" })).toEqual({ label: "9", final: true, changed: false, given: "9" });
    expect(shownLabel({ label: null, finalLabel: "9" })).toEqual({ label: "9", final: true, changed: false, given: null });
    expect(shownLabel({ label: "8", finalLabel: null })).toEqual({ label: "8", final: false, changed: false, given: "8" });
    expect(shownLabel({ label: "", finalLabel: null }).label).toBeNull();
  });
});

describe("reviewLines", () => {
  it("says the final label, a conflict, a wait and a flag", () => {
    expect(reviewLines({ label: "8", finalLabel: "9", review: "decided", flagged: true })).toEqual([
      "Final label: 9 (given 8)",
      "Flagged unsure or bad input",
    ]);
    expect(reviewLines({ label: "8", finalLabel: null, review: "conflict", flagged: false })[0]).toMatch(/^Conflict/);
    expect(reviewLines({ label: "8", finalLabel: null, review: "pending", flagged: false })[0]).toMatch(/^Waiting/);
    expect(reviewLines({ label: "8", finalLabel: null, review: null, flagged: false })).toEqual([]);
  });
});

describe("decisionText", () => {
  it("says a gold item is decided by its answer, with the votes beside it", () => {
    expect(decisionText(decision({ status: "decided", label: "3", rule: "gold", votes: [vote("a", "5")], deciders: ["gold"] }))).toBe(
      "Decided “3” — a gold item's answer (1 vote beside it)",
    );
    expect(decisionText(decision({ status: "decided", label: "3", rule: "gold", votes: [], deciders: ["gold"] }))).toBe(
      "Decided “3” — a gold item's answer",
    );
  });
  it("names the rule, the deciders and the votes", () => {
    expect(
      decisionText(decision({ status: "decided", label: "9", rule: "majority", votes: [vote("a", "9"), vote("b", "9"), vote("c", "8")], deciders: ["a", "b"] })),
    ).toBe("Decided “9” — a strict majority of 3 votes (a, b)");
    expect(decisionText(decision({ status: "decided", label: "9", rule: "override", votes: [vote("rev", "9", { source: "override" })], deciders: ["rev"] }))).toBe(
      "Decided “9” — a reviewer's decision by rev",
    );
    expect(decisionText(decision({ status: "conflict", votes: [vote("a", "1"), vote("b", "2")] }))).toMatch(/^Conflict — 2 votes disagree/);
    expect(decisionText(decision({ status: "decided", label: "9", rule: "unanimous", votes: [vote("a", "9"), vote("b", "9")], deciders: ["a", "b"] }))).toBe(
      "Decided “9” — all 2 votes agree (a, b)",
    );
    expect(decisionText(decision({ status: "decided", label: "9", rule: "unanimous", votes: [vote("a", "9")], deciders: ["a"] }))).toBe(
      "Decided “9” — one vote (a)",
    );
    expect(decisionText(decision({ votes: [vote("a", "1")] }))).toBe("Waiting for votes — 1 of 2 needed");
    expect(decisionText(decision({}))).toBe("No label given yet");
  });
});

describe("automatic decisions", () => {
  it("say the model decided above a certified threshold, with no votes", () => {
    const d = decision({ status: "decided", label: "cat", rule: "auto", deciders: ["auto"] });
    expect(decisionText(d)).toBe(
      "Decided “cat” — accepted automatically: the model's prediction, above a certified auto-accept threshold",
    );
  });
});

describe("decisions by annotator quality", () => {
  const posterior = [
    { label: "cat", probability: 0.5 },
    { label: "dog", probability: 0.5 },
  ];
  it("names the rule and the decided label's probability", () => {
    const d = decision({
      status: "decided",
      label: "cat",
      rule: "dawid-skene",
      votes: [vote("ana", "cat"), vote("ben", "dog")],
      deciders: ["ana"],
      posterior: [
        { label: "cat", probability: 0.875 },
        { label: "dog", probability: 0.125 },
      ],
      probability: 0.875,
    });
    expect(decisionText(d)).toBe("Decided “cat” — by annotator quality over 2 votes, 87.5% probable (ana)");
  });
  it("says why a conflict is one: a tie, or a label no vote gave", () => {
    const votes = [vote("ana", "cat"), vote("ben", "dog")];
    expect(decisionText(decision({ status: "conflict", votes, posterior }))).toBe(
      "Conflict — by annotator quality “cat” and “dog” are equally probable; a reviewer decides",
    );
    const unvoted = [
      { label: "owl", probability: 0.6 },
      { label: "cat", probability: 0.4 },
    ];
    expect(decisionText(decision({ status: "conflict", votes, posterior: unvoted }))).toBe(
      "Conflict — by annotator quality the most probable label “owl” is one no vote gave; a reviewer decides",
    );
    // Under the other rules, as before.
    expect(decisionText(decision({ status: "conflict", votes }))).toContain("votes disagree and no rule decides");
  });
  it("gives at most the asked number of bars, most probable first", () => {
    expect(posteriorBars(decision({ posterior }), 1)).toEqual([["cat", 0.5]]);
    expect(posteriorBars(decision({}))).toEqual([]);
    const sure = [
      { label: "cat", probability: 0.9996 },
      { label: "dog", probability: 0.0003 },
      { label: "owl", probability: 0.0001 },
    ];
    expect(posteriorBars(decision({ posterior: sure }))).toEqual([["cat", 0.9996]]);
  });
});
