import { describe, expect, it } from "vitest";
import type { EscalationDto } from "../bindings/EscalationDto";
import { buildEscalationRequest, canAccept, sendBackTargets } from "./escalations";

const vote = (annotator: string, label: string, source: "manual" | "override" = "manual") => ({
  annotation: 1,
  annotator,
  label,
  reason: null,
  note: null,
  source,
  createdAt: "2026-01-01T00:00:00Z",
});

const esc = (reasons: string[], votes = [vote("ana", "cat"), vote("ben", "dog")]): EscalationDto => ({
  reasons,
  flags: [],
  previous: null,
  decision: {
    itemId: "x",
    rowid: 4,
    status: "conflict",
    label: null,
    rule: null,
    posterior: null,
    probability: null,
    votes: votes as EscalationDto["decision"]["votes"],
    deciders: [],
    decidedAt: null,
    votesNeeded: 2,
  },
});

describe("escalations", () => {
  it("offers accept except for a conflict, and sends back only to those who labeled", () => {
    expect(canAccept(esc(["conflict"]))).toBe(false);
    expect(canAccept(esc(["unsure"]))).toBe(true);
    expect(sendBackTargets(esc(["unsure"], [vote("ben", "dog"), vote("ana", "cat"), vote("rev", "cat", "override")]))).toEqual([
      "ana",
      "ben",
    ]);
  });

  it("builds each action's request and refuses a send-back without a note or an override without a label", () => {
    expect(buildEscalationRequest(4, "rev", { verb: "send_back", to: "ana", note: " look again " })).toEqual({
      ok: true,
      request: { rowid: 4, actor: "rev", verb: "send_back", label: null, reason: null, note: "look again", to: "ana" },
    });
    expect(buildEscalationRequest(4, "rev", { verb: "send_back", to: null, note: "  " }).ok).toBe(false);
    expect(buildEscalationRequest(4, "rev", { verb: "override", label: "", reason: null, note: "" }).ok).toBe(false);
    expect(buildEscalationRequest(4, "rev", { verb: "override", label: "cat", reason: "model_wrong", note: "" })).toEqual({
      ok: true,
      request: { rowid: 4, actor: "rev", verb: "override", label: "cat", reason: "model_wrong", note: null, to: null },
    });
    expect(buildEscalationRequest(4, "rev", { verb: "accept", note: "" })).toMatchObject({ ok: true, request: { verb: "accept" } });
  });
});
