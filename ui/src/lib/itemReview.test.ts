import { describe, expect, it } from "vitest";
import type { DecisionDto } from "../bindings/DecisionDto";
import type { VoteDto } from "../bindings/VoteDto";
import { cellStatus, decisionText, reviewLines, shownLabel } from "./itemReview";

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
