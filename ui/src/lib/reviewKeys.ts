/**
 * The review screen's keyboard map, as a pure function of one keydown and the screen's state.
 *
 * Priorities (first match wins):
 * 1. While typing in a text field or a select, nothing fires except Escape (back to the screen,
 *    keeping the text). Ctrl+Z there is the field's own undo.
 * 2. Ctrl/Cmd+Z undoes the last annotation. Other Ctrl/Cmd combinations belong to the browser.
 * 3. Alt+R / Alt+N / Alt+O always reach the reason picker, the note and override mode (for
 *    schemas whose labels use R, N or O as hotkeys).
 * 4. Enter/Space on a focused button activate that button (its native behaviour).
 * 5. Held-down keys (auto-repeat) never annotate, undo or toggle — only zoom repeats.
 * 6. A label's hotkey labels the item (an override in override mode). The backend never gives a
 *    label S, F, Z, ?, Enter, Escape or Space, so those are always actions; R, N, O, + - 0 are
 *    actions only when no label uses them.
 */

import type { LabelInfo } from "../bindings/LabelInfo";

export type FlagKind = "unsure" | "bad_input";

export type ReviewAction =
  | { type: "label"; label: string; override: boolean }
  | { type: "accept" }
  | { type: "skip" }
  | { type: "flag"; flag: FlagKind }
  | { type: "undo" }
  | { type: "focusReason" }
  | { type: "focusNote" }
  | { type: "toggleOverride" }
  | { type: "cancelOverride" }
  | { type: "toggleSheet" }
  | { type: "closeSheet" }
  | { type: "blurField" }
  | { type: "zoomIn" }
  | { type: "zoomOut" }
  | { type: "zoomFit" };

/** What kind of element the key was pressed in. */
export type KeyTarget = "text" | "button" | "other";

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
  repeat?: boolean;
  target?: KeyTarget;
}

export interface KeyContext {
  /** Lower-cased hotkey → label name (see `hotkeyMap`). */
  hotkeys: ReadonlyMap<string, string>;
  overrideMode?: boolean;
  sheetOpen?: boolean;
}

/** Lower-cased hotkey → label name, for the labels that have one. */
export function hotkeyMap(labels: readonly LabelInfo[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const l of [...labels].sort((a, b) => a.position - b.position)) {
    const k = l.hotkey?.toLowerCase();
    if (k && !map.has(k)) map.set(k, l.name);
  }
  return map;
}

/** Classifies a keydown's target. */
export function keyTarget(target: EventTarget | null): KeyTarget {
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== "string") return "other";
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable) return "text";
  if (tag === "INPUT") {
    const type = (el as HTMLInputElement).type;
    return type === "checkbox" || type === "radio" || type === "button" || type === "submit" || type === "range"
      ? "button"
      : "text";
  }
  if (tag === "BUTTON" || tag === "A" || tag === "SUMMARY") return "button";
  return "other";
}

/** What the key functions read of a keydown (the review and conflicts screens' listeners). */
export function keyInput(e: KeyboardEvent): KeyInput {
  return {
    key: e.key,
    ctrlKey: e.ctrlKey,
    metaKey: e.metaKey,
    altKey: e.altKey,
    shiftKey: e.shiftKey,
    repeat: e.repeat,
    target: keyTarget(e.target),
  };
}

const ZOOM_KEYS: Record<string, ReviewAction> = {
  "+": { type: "zoomIn" },
  "=": { type: "zoomIn" },
  "-": { type: "zoomOut" },
  _: { type: "zoomOut" },
  "0": { type: "zoomFit" },
};

export function reviewKeyAction(e: KeyInput, ctx: KeyContext): ReviewAction | null {
  const key = e.key;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  const target = e.target ?? "other";

  if (target === "text") return key === "Escape" ? { type: "blurField" } : null;

  if (e.ctrlKey || e.metaKey) {
    if (lower === "z" && !e.shiftKey && !e.altKey) return e.repeat ? null : { type: "undo" };
    return null;
  }
  if (e.altKey) {
    if (e.repeat) return null;
    // Alt+letter may arrive as a dead key or a symbol on some layouts; the letter is what counts.
    switch (lower) {
      case "r":
      case "®":
        return { type: "focusReason" };
      case "n":
        return { type: "focusNote" };
      case "o":
      case "ø":
        return { type: "toggleOverride" };
      default:
        return null;
    }
  }
  if (target === "button" && (key === "Enter" || key === " ")) return null;

  if (key === "Escape") {
    if (ctx.sheetOpen) return { type: "closeSheet" };
    if (ctx.overrideMode) return { type: "cancelOverride" };
    return null;
  }
  if (key === "?") return e.repeat ? null : { type: "toggleSheet" };

  if (e.repeat) {
    const zoom = ZOOM_KEYS[key];
    return zoom && !ctx.hotkeys.has(lower) && zoom.type !== "zoomFit" ? zoom : null;
  }

  const label = ctx.hotkeys.get(lower);
  if (label !== undefined) return { type: "label", label, override: !!ctx.overrideMode };

  switch (lower) {
    case "Enter":
      return { type: "accept" };
    case "s":
      return { type: "skip" };
    case "f":
      return { type: "flag", flag: e.shiftKey ? "bad_input" : "unsure" };
    case "r":
      return { type: "focusReason" };
    case "n":
      return { type: "focusNote" };
    case "o":
      return { type: "toggleOverride" };
  }
  return ZOOM_KEYS[key] ?? null;
}

export interface ShortcutRow {
  keys: string[];
  text: string;
  /** Set when a label's hotkey takes the plain key (the Alt variant still works). */
  shadowedBy?: string;
}

/** The shortcut sheet's rows for the current schema (labels first). */
export function shortcutRows(labels: readonly LabelInfo[], canOverride: boolean): ShortcutRow[] {
  const map = hotkeyMap(labels);
  const shadow = (k: string) => map.get(k);
  const rows: ShortcutRow[] = [];
  for (const l of [...labels].sort((a, b) => a.position - b.position)) {
    if (l.hotkey) rows.push({ keys: [l.hotkey.toUpperCase()], text: `Label “${l.name}”` });
  }
  rows.push(
    { keys: ["Enter"], text: "Accept the model's prediction" },
    { keys: ["S"], text: "Skip" },
    { keys: ["F"], text: "Flag as unsure (and move on)" },
    { keys: ["Shift", "F"], text: "Flag as bad input (and move on)" },
    { keys: ["Ctrl", "Z"], text: "Undo — the item comes back first" },
    { keys: ["R"], text: "Reason picker (Esc returns)", shadowedBy: shadow("r") },
    { keys: ["N"], text: "Note (Esc returns, text is kept)", shadowedBy: shadow("n") },
  );
  if (canOverride) {
    rows.push({ keys: ["O"], text: "Override mode: the next label key overrides (needs a reason)", shadowedBy: shadow("o") });
  }
  rows.push(
    { keys: ["+", "−"], text: "Zoom in / out (also the mouse wheel; drag to pan)", shadowedBy: shadow("+") ?? shadow("-") },
    { keys: ["0"], text: "Fit the image", shadowedBy: shadow("0") },
    { keys: ["?"], text: "This sheet" },
  );
  return rows;
}

export type ConflictAction =
  | { type: "decide"; label: string }
  | { type: "next" }
  | { type: "previous" }
  | { type: "undo" }
  | { type: "focusReason" }
  | { type: "focusNote" }
  | { type: "blurField" };

/**
 * The conflicts screen's keys: a label's hotkey decides the selected conflict (an override),
 * ↑/↓ (or K/J when no label uses them) move through the list, R/N reach the reason and the note,
 * Ctrl+Z undoes the last decision. Same rules as the review screen for fields, buttons, repeat.
 */
export function conflictKeyAction(e: KeyInput, hotkeys: ReadonlyMap<string, string>): ConflictAction | null {
  const key = e.key;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  const target = e.target ?? "other";
  if (target === "text") return key === "Escape" ? { type: "blurField" } : null;
  if (e.ctrlKey || e.metaKey) {
    return lower === "z" && !e.shiftKey && !e.altKey && !e.repeat ? { type: "undo" } : null;
  }
  if (e.altKey) {
    if (e.repeat) return null;
    if (lower === "r" || lower === "®") return { type: "focusReason" };
    if (lower === "n") return { type: "focusNote" };
    return null;
  }
  if (key === "ArrowDown") return { type: "next" };
  if (key === "ArrowUp") return { type: "previous" };
  if (e.repeat) return null;
  if (target === "button" && (key === "Enter" || key === " ")) return null;
  const label = hotkeys.get(lower);
  if (label !== undefined) return { type: "decide", label };
  switch (lower) {
    case "j":
      return { type: "next" };
    case "k":
      return { type: "previous" };
    case "r":
      return { type: "focusReason" };
    case "n":
      return { type: "focusNote" };
  }
  return null;
}
