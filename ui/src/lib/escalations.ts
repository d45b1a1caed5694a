/** The escalations queue's texts and the requests its actions send. */
import type { EscalationDto } from "../bindings/EscalationDto";
import type { EscalationRequest } from "../bindings/EscalationRequest";

export const REASON_TEXT: Record<string, string> = {
  conflict: "conflict",
  unsure: "unsure",
  bad_input: "bad input",
};

/** The annotators an item can be sent back to: those whose own label it carries. */
export function sendBackTargets(e: EscalationDto): string[] {
  const names = e.decision.votes.filter((v) => v.source !== "override").map((v) => v.annotator);
  return [...new Set(names)].sort();
}

/** Whether accepting makes sense: a conflict needs a label instead. */
export function canAccept(e: EscalationDto): boolean {
  return !e.reasons.includes("conflict");
}

export type EscalationForm =
  | { verb: "accept"; note: string }
  | { verb: "override"; label: string; reason: string | null; note: string }
  | { verb: "send_back"; to: string | null; note: string };

/** Form → request; an empty note for a send-back, or no label for an override, is refused here. */
export function buildEscalationRequest(
  rowid: number,
  actor: string,
  form: EscalationForm,
): { ok: true; request: EscalationRequest } | { ok: false; error: string } {
  const note = form.note.trim() || null;
  const base = { rowid, actor, label: null, reason: null, note, to: null };
  switch (form.verb) {
    case "accept":
      return { ok: true, request: { ...base, verb: "accept" } };
    case "override":
      if (!form.label) return { ok: false, error: "Choose the label that decides the item" };
      return { ok: true, request: { ...base, verb: "override", label: form.label, reason: form.reason } };
    case "send_back":
      if (!note) return { ok: false, error: "Say what to look at again: the annotator sees this note" };
      return { ok: true, request: { ...base, verb: "send_back", to: form.to } };
  }
}
