/** The labels editor's form ↔ `LabelEditRequest` (null keeps a property, "" clears it). */
import type { LabelEditRequest } from "../bindings/LabelEditRequest";
import type { LabelInfo } from "../bindings/LabelInfo";

/** One label's fields as typed. */
export interface LabelDraft {
  hotkey: string;
  /** `#rrggbb` */
  color: string;
  guideline: string;
  /** The guideline's example items, ids separated by commas (absent: not edited here). */
  examples?: string;
}

/** "a, b,,a " → ["a", "b"]. */
export function exampleIds(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(",")) {
    const id = part.trim();
    if (id && !out.includes(id)) out.push(id);
  }
  return out;
}

/**
 * The edit the draft makes to the label: only the changed properties are sent (null keeps), a
 * hotkey or guideline emptied is cleared (""); null when nothing changed.
 */
export function labelEdit(label: LabelInfo, draft: LabelDraft, examples: readonly string[] = []): LabelEditRequest | null {
  const hotkey = draft.hotkey.trim();
  const guideline = draft.guideline.trim();
  const color = draft.color.trim().toLowerCase();
  const req: LabelEditRequest = {
    name: label.name,
    hotkey: hotkey === (label.hotkey ?? "") ? null : hotkey,
    color: color === (label.color ?? "").toLowerCase() ? null : color,
    guideline: guideline === (label.guideline ?? "") ? null : guideline,
  };
  if (draft.examples !== undefined) {
    const ids = exampleIds(draft.examples);
    if (ids.join("\n") !== examples.join("\n")) req.examples = ids;
  }
  return req.hotkey === null && req.color === null && req.guideline === null && req.examples === undefined ? null : req;
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
