import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EscalationDto } from "../bindings/EscalationDto";

const listEscalations = vi.fn();
const actOnEscalation = vi.fn();
vi.mock("../ipc", () => ({
  listEscalations: (...a: unknown[]) => listEscalations(...a),
  actOnEscalation: (...a: unknown[]) => actOnEscalation(...a),
}));

const { EscalationsPanel } = await import("./EscalationsPanel");

const vote = (annotator: string, label: string) => ({
  annotation: annotator.length,
  annotator,
  label,
  reason: null,
  note: null,
  source: "manual" as const,
  createdAt: "2026-01-01T00:00:00Z",
});
const esc = (rowid: number, reasons: string[], votes = [vote("ana", "cat")]): EscalationDto => ({
  reasons,
  flags: reasons.includes("unsure") ? [{ annotator: "ana", flag: "unsure", note: "blurry", at: "2026-01-01T00:00:00Z" }] : [],
  previous: null,
  decision: {
    itemId: `item_${rowid}`,
    rowid,
    status: reasons.includes("conflict") ? "conflict" : "decided",
    label: null,
    rule: null,
    posterior: null,
    probability: null,
    votes,
    deciders: [],
    decidedAt: null,
    votesNeeded: 1,
  },
});

const labels = [
  { name: "cat", hotkey: "1", color: "#f00", guideline: null, position: 0 },
  { name: "dog", hotkey: "2", color: "#00f", guideline: null, position: 1 },
];

async function flush() {
  for (let i = 0; i < 3; i++) {
    await act(async () => {
      await Promise.resolve();
    });
  }
}

beforeEach(() => {
  listEscalations.mockReset();
  actOnEscalation.mockReset();
  listEscalations.mockResolvedValue([esc(1, ["unsure"]), esc(2, ["conflict"], [vote("ana", "cat"), vote("ben", "dog")])]);
});
afterEach(cleanup);

describe("EscalationsPanel", () => {
  it("lists flagged and conflicting items; a reviewer sends one back with a note", async () => {
    render(<EscalationsPanel me={{ name: "rev", role: "reviewer" }} labels={labels} reasons={[]} colors={new Map()} />);
    await flush();
    const cards = screen.getAllByTestId("escalation");
    expect(cards.map((c) => c.dataset.reasons)).toEqual(["unsure", "conflict"]);
    expect(cards[0]!.textContent).toContain("ana flagged it unsure — “blurry”");
    // A conflict cannot be accepted: it needs a label.
    const accepts = screen.getAllByTestId("escalation-accept") as HTMLButtonElement[];
    expect(accepts.map((b) => b.disabled)).toEqual([false, true]);

    fireEvent.click(screen.getAllByTestId("escalation-send-back-open")[0]!);
    fireEvent.click(screen.getByTestId("escalation-send-back"));
    await flush();
    expect(actOnEscalation).not.toHaveBeenCalled();
    expect(screen.getByTestId("escalation-error").textContent).toContain("Say what to look at again");

    actOnEscalation.mockResolvedValue([esc(2, ["conflict"], [vote("ana", "cat"), vote("ben", "dog")])]);
    fireEvent.change(screen.getByLabelText("Note"), { target: { value: "look at the ears" } });
    fireEvent.click(screen.getByTestId("escalation-send-back"));
    await flush();
    expect(actOnEscalation).toHaveBeenCalledWith({
      rowid: 1,
      actor: "rev",
      verb: "send_back",
      label: null,
      reason: null,
      note: "look at the ears",
      to: "ana",
    });
    expect(screen.getAllByTestId("escalation").map((c) => c.dataset.rowid)).toEqual(["2"]);
  });

  it("shows the backend's refusal on the card", async () => {
    actOnEscalation.mockRejectedValue({ code: "invalid_input", message: "item item_2 is in conflict: accepting decides nothing" });
    listEscalations.mockResolvedValue([esc(2, ["unsure"])]);
    render(<EscalationsPanel me={{ name: "rev", role: "reviewer" }} labels={labels} reasons={[]} colors={new Map()} />);
    await flush();
    fireEvent.click(screen.getByTestId("escalation-accept"));
    await flush();
    expect(screen.getByTestId("escalation-error").textContent).toContain("accepting decides nothing");
  });

  it("lets an annotator look but not act", async () => {
    render(<EscalationsPanel me={{ name: "ana", role: "annotator" }} labels={labels} reasons={[]} colors={new Map()} />);
    await flush();
    expect(screen.getAllByTestId("escalation")).toHaveLength(2);
    expect(screen.queryByTestId("escalation-accept")).toBeNull();
    expect(screen.getByTestId("escalations-role-note").textContent).toContain("ana is an annotator");
  });
});
