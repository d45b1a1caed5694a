import { describe, expect, it } from "vitest";
import type { LabelInfo } from "../bindings/LabelInfo";
import { conflictKeyAction, hotkeyMap, keyTarget, reviewKeyAction, shortcutRows, type KeyContext } from "./reviewKeys";

const label = (name: string, hotkey: string | null, position: number): LabelInfo => ({
  name,
  hotkey,
  color: "#123456",
  guideline: null,
  position,
});

const LABELS = [label("cat", "1", 0), label("dog", "2", 1), label("owl", "o", 2), label("none", null, 3)];
const ctx = (over: Partial<KeyContext> = {}): KeyContext => ({ hotkeys: hotkeyMap(LABELS), ...over });

describe("hotkeyMap", () => {
  it("maps lower-cased hotkeys to labels in schema order, skipping labels without one", () => {
    const map = hotkeyMap([label("B", "B", 1), label("a", "x", 0), label("dup", "x", 2), label("n", null, 3)]);
    expect([...map]).toEqual([
      ["x", "a"],
      ["b", "B"],
    ]);
  });
});

describe("reviewKeyAction", () => {
  it("labels with a label's hotkey (manual), or records an override in override mode", () => {
    expect(reviewKeyAction({ key: "1" }, ctx())).toEqual({ type: "label", label: "cat", override: false });
    expect(reviewKeyAction({ key: "2" }, ctx({ overrideMode: true }))).toEqual({
      type: "label",
      label: "dog",
      override: true,
    });
  });

  it("maps the action keys", () => {
    expect(reviewKeyAction({ key: "Enter" }, ctx())).toEqual({ type: "accept" });
    expect(reviewKeyAction({ key: "s" }, ctx())).toEqual({ type: "skip" });
    expect(reviewKeyAction({ key: "S" }, ctx())).toEqual({ type: "skip" }); // caps lock
    expect(reviewKeyAction({ key: "f" }, ctx())).toEqual({ type: "flag", flag: "unsure" });
    expect(reviewKeyAction({ key: "F", shiftKey: true }, ctx())).toEqual({ type: "flag", flag: "bad_input" });
    expect(reviewKeyAction({ key: "z", ctrlKey: true }, ctx())).toEqual({ type: "undo" });
    expect(reviewKeyAction({ key: "z", metaKey: true }, ctx())).toEqual({ type: "undo" });
    expect(reviewKeyAction({ key: "r" }, ctx())).toEqual({ type: "focusReason" });
    expect(reviewKeyAction({ key: "n" }, ctx())).toEqual({ type: "focusNote" });
    expect(reviewKeyAction({ key: "?", shiftKey: true }, ctx())).toEqual({ type: "toggleSheet" });
    expect(reviewKeyAction({ key: "+" }, ctx())).toEqual({ type: "zoomIn" });
    expect(reviewKeyAction({ key: "-" }, ctx())).toEqual({ type: "zoomOut" });
    expect(reviewKeyAction({ key: "0" }, ctx())).toEqual({ type: "zoomFit" });
    expect(reviewKeyAction({ key: "q" }, ctx())).toBeNull();
  });

  it("does nothing while typing in a field, except Escape which returns to the screen", () => {
    for (const key of ["1", "s", "f", "Enter", "?", "r", "n"]) {
      expect(reviewKeyAction({ key, target: "text" }, ctx())).toBeNull();
    }
    expect(reviewKeyAction({ key: "z", ctrlKey: true, target: "text" }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: "Escape", target: "text" }, ctx())).toEqual({ type: "blurField" });
  });

  it("lets a focused button handle Enter and Space itself", () => {
    expect(reviewKeyAction({ key: "Enter", target: "button" }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: " ", target: "button" }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: "1", target: "button" }, ctx())).toEqual({ type: "label", label: "cat", override: false });
  });

  it("never annotates on auto-repeat (a held key), but zoom repeats", () => {
    for (const key of ["1", "Enter", "s", "f", "?"]) expect(reviewKeyAction({ key, repeat: true }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: "z", ctrlKey: true, repeat: true }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: "+", repeat: true }, ctx())).toEqual({ type: "zoomIn" });
  });

  it("gives a label's hotkey priority over R/N/O, with Alt as the way to the action", () => {
    expect(reviewKeyAction({ key: "o" }, ctx())).toEqual({ type: "label", label: "owl", override: false });
    expect(reviewKeyAction({ key: "o", altKey: true }, ctx())).toEqual({ type: "toggleOverride" });
    expect(reviewKeyAction({ key: "r", altKey: true }, ctx())).toEqual({ type: "focusReason" });
    const plain = { hotkeys: hotkeyMap([label("cat", "1", 0)]) };
    expect(reviewKeyAction({ key: "o" }, plain)).toEqual({ type: "toggleOverride" });
  });

  it("leaves other Ctrl/Alt combinations to the browser", () => {
    expect(reviewKeyAction({ key: "1", ctrlKey: true }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: "s", ctrlKey: true }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: "z", ctrlKey: true, shiftKey: true }, ctx())).toBeNull();
    expect(reviewKeyAction({ key: "1", altKey: true }, ctx())).toBeNull();
  });

  it("uses Escape to close the sheet first, then to leave override mode", () => {
    expect(reviewKeyAction({ key: "Escape" }, ctx({ sheetOpen: true, overrideMode: true }))).toEqual({ type: "closeSheet" });
    expect(reviewKeyAction({ key: "Escape" }, ctx({ overrideMode: true }))).toEqual({ type: "cancelOverride" });
    expect(reviewKeyAction({ key: "Escape" }, ctx())).toBeNull();
  });
});

describe("keyTarget", () => {
  it("classifies text fields, buttons and everything else", () => {
    const el = (html: string) => {
      const div = document.createElement("div");
      div.innerHTML = html;
      return div.firstElementChild;
    };
    expect(keyTarget(el('<input type="text">'))).toBe("text");
    expect(keyTarget(el("<input>"))).toBe("text");
    expect(keyTarget(el("<textarea></textarea>"))).toBe("text");
    expect(keyTarget(el("<select></select>"))).toBe("text");
    expect(keyTarget(el('<input type="checkbox">'))).toBe("button");
    expect(keyTarget(el("<button></button>"))).toBe("button");
    expect(keyTarget(el("<div></div>"))).toBe("other");
    expect(keyTarget(null)).toBe("other");
  });
});

describe("shortcutRows", () => {
  it("lists the labels, then the actions, and marks keys a label has taken", () => {
    const rows = shortcutRows(LABELS, true);
    expect(rows.slice(0, 3).map((r) => r.keys[0])).toEqual(["1", "2", "O"]);
    expect(rows.find((r) => r.text.startsWith("Override"))?.shadowedBy).toBe("owl");
    expect(rows.find((r) => r.text.startsWith("Reason"))?.shadowedBy).toBeUndefined();
    expect(shortcutRows(LABELS, false).some((r) => r.text.startsWith("Override"))).toBe(false);
  });
});

describe("conflictKeyAction", () => {
  const keys = hotkeyMap([label("cat", "1", 0), label("jay", "j", 1)]);
  it("decides with a label's hotkey and moves with arrows (and K/J when free)", () => {
    expect(conflictKeyAction({ key: "1" }, keys)).toEqual({ type: "decide", label: "cat" });
    expect(conflictKeyAction({ key: "j" }, keys)).toEqual({ type: "decide", label: "jay" });
    expect(conflictKeyAction({ key: "k" }, keys)).toEqual({ type: "previous" });
    expect(conflictKeyAction({ key: "ArrowDown" }, keys)).toEqual({ type: "next" });
    expect(conflictKeyAction({ key: "ArrowDown", repeat: true }, keys)).toEqual({ type: "next" });
    expect(conflictKeyAction({ key: "z", ctrlKey: true }, keys)).toEqual({ type: "undo" });
    expect(conflictKeyAction({ key: "r" }, keys)).toEqual({ type: "focusReason" });
  });
  it("never decides while typing, on a held key, or with modifiers", () => {
    expect(conflictKeyAction({ key: "1", target: "text" }, keys)).toBeNull();
    expect(conflictKeyAction({ key: "Escape", target: "text" }, keys)).toEqual({ type: "blurField" });
    expect(conflictKeyAction({ key: "1", repeat: true }, keys)).toBeNull();
    expect(conflictKeyAction({ key: "1", ctrlKey: true }, keys)).toBeNull();
    expect(conflictKeyAction({ key: "Enter", target: "button" }, keys)).toBeNull();
  });
});
