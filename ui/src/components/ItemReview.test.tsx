import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DecisionDto } from "../bindings/DecisionDto";
import type { ItemSummary } from "../bindings/ItemSummary";

const getDecision = vi.fn();
vi.mock("../ipc", () => ({
  getDecision: (...a: unknown[]) => getDecision(...a),
}));

const { ReviewSection } = await import("./ItemView");

const summary = (over: Partial<ItemSummary>): ItemSummary => ({
  rowid: 42,
  id: "digit_0042",
  label: "8",
  hasMedia: true,
  predicted: null,
  confidence: null,
  review: null,
  finalLabel: null,
  flagged: false,
  ...over,
});

const DECIDED: DecisionDto = {
  itemId: "digit_0042",
  rowid: 42,
  status: "decided",
  label: "9",
  rule: "majority",
  votes: [
    { annotation: 1, annotator: "ana", label: "9", reason: null, note: "could be 8", source: "manual", createdAt: "2026-01-01T10:00:00Z" },
    { annotation: 2, annotator: "ben", label: "9", reason: "given_label_wrong", note: null, source: "accepted_prediction", createdAt: "2026-01-01T10:01:00Z" },
  ],
  deciders: ["ana", "ben"],
  decidedAt: "2026-01-01T10:01:00Z",
  votesNeeded: 2,
};

async function show(s: ItemSummary, d: DecisionDto) {
  getDecision.mockResolvedValue(d);
  render(<ReviewSection summary={s} labelColors={new Map([["9", "#00f"]])} />);
  await act(async () => {
    await new Promise((r) => setTimeout(r, 80)); // the request is slightly delayed
  });
}

beforeEach(() => getDecision.mockReset());
afterEach(cleanup);

describe("ReviewSection", () => {
  it("shows the final label's decision with every vote, its reason and its note", async () => {
    await show(summary({ review: "decided", finalLabel: "9", flagged: true }), DECIDED);
    expect(getDecision).toHaveBeenCalledWith(42);
    const section = screen.getByTestId("item-review");
    expect(section.dataset.status).toBe("decided");
    expect(section.textContent).toContain("Decided");
    const decision = screen.getByTestId("item-decision");
    expect(decision.dataset.label).toBe("9");
    expect(decision.textContent).toContain("Decided “9” — a strict majority of 2 votes (ana, ben)");
    const votes = screen.getAllByTestId("item-vote");
    expect(votes.map((v) => [v.dataset.annotator, v.dataset.label])).toEqual([
      ["ana", "9"],
      ["ben", "9"],
    ]);
    expect(screen.getByTestId("item-vote-note").textContent).toBe("“could be 8”");
    expect(votes[1]!.textContent).toContain("given label wrong");
    expect(votes[1]!.textContent).toContain("accepted the model");
    expect(screen.getByTestId("item-flagged").textContent).toContain("the decided label stands");
  });

  it("says when nobody has labeled the item", async () => {
    await show(summary({}), { ...DECIDED, status: "pending", label: null, rule: null, votes: [], deciders: [], decidedAt: null });
    expect(screen.getByTestId("item-review").textContent).toContain("Not annotated");
    expect(screen.queryByTestId("item-decision")).toBeNull();
    expect(screen.queryAllByTestId("item-vote")).toHaveLength(0);
  });
});
