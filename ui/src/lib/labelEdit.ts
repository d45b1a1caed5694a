/** The labels editor's form ↔ `LabelEditRequest` (null keeps a property, "" clears it). */
import type { LabelEditRequest } from "../bindings/LabelEditRequest";
import type { LabelInfo } from "../bindings/LabelInfo";

/** One label's fields as typed. */
export interface LabelDraft {
  hotkey: string;
  /** `#rrggbb` */
  color: string;
  guideline: string;
}

/**
 * The edit the draft makes to the label: only the changed properties are sent (null keeps), a
 * hotkey or guideline emptied is cleared (""); null when nothing changed.
 */
export function labelEdit(label: LabelInfo, draft: LabelDraft): LabelEditRequest | null {
  const hotkey = draft.hotkey.trim();
  const guideline = draft.guideline.trim();
  const color = draft.color.trim().toLowerCase();
  const req: LabelEditRequest = {
    name: label.name,
    hotkey: hotkey === (label.hotkey ?? "") ? null : hotkey,
    color: color === (label.color ?? "").toLowerCase() ? null : color,
    guideline: guideline === (label.guideline ?? "") ? null : guideline,
  };
  return req.hotkey === null && req.color === null && req.guideline === null ? null : req;
}

/** The names typed into "Add labels": comma- or newline-separated, trimmed, blanks and repeats dropped. */
export function newLabelNames(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,\n]/)) {
    const name = part.trim();
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}
