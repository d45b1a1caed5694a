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
  snippet: null,
  predicted: null,
  confidence: null,
  failed: false,
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
  posterior: null,
  probability: null,
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

  it("shows the posterior under the Dawid–Skene rule, the decided label's bar marked", async () => {
    const byQuality: DecisionDto = {
      ...DECIDED,
      rule: "dawid-skene",
      probability: 0.93,
      posterior: [
        { label: "9", probability: 0.93 },
        { label: "8", probability: 0.05 },
        { label: "3", probability: 0.015 },
        { label: "1", probability: 0.004 },
        { label: "7", probability: 0.001 },
      ],
    };
    await show(summary({ review: "decided", finalLabel: "9" }), byQuality);
    expect(screen.getByTestId("item-decision").textContent).toContain("Decided “9” — by annotator quality over 2 votes, 93.0% probable (ana, ben)");
    const posterior = screen.getByTestId("item-posterior");
    expect(posterior.textContent).toContain("By annotator quality");
    const bars = screen.getAllByTestId("prob-bar");
    // The four most probable labels, most probable first; the decided one highlighted.
    expect(bars.map((b) => b.dataset.class)).toEqual(["9", "8", "3", "1"]);
    expect(bars[0]!.className).toContain("predicted");
    expect(bars[1]!.className).not.toContain("predicted");
  });

  it("shows no posterior under the other rules", async () => {
    await show(summary({ review: "decided", finalLabel: "9" }), DECIDED);
    expect(screen.queryByTestId("item-posterior")).toBeNull();
  });

  it("says when nobody has labeled the item", async () => {
    await show(summary({}), { ...DECIDED, status: "pending", label: null, rule: null, votes: [], deciders: [], decidedAt: null });
    expect(screen.getByTestId("item-review").textContent).toContain("Not annotated");
    expect(screen.queryByTestId("item-decision")).toBeNull();
    expect(screen.queryAllByTestId("item-vote")).toHaveLength(0);
  });
});
