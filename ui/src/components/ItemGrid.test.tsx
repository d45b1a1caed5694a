import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ItemSummary } from "../bindings/ItemSummary";

vi.mock("../ipc", () => ({ thumbUrl: (rowid: number) => `thumb://${rowid}` }));

const { ItemCell } = await import("./ItemGrid");

const COLORS = new Map([
  ["8", "#ff0000"],
  ["9", "#0000ff"],
]);

const summary = (over: Partial<ItemSummary>): ItemSummary => ({
  rowid: 1,
  id: "digit_0001",
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

function cell(item: ItemSummary, showPrediction = false, noPredictionText = "no prediction") {
  render(
    <ItemCell index={0} item={item} active={false} labelColors={COLORS} showPrediction={showPrediction} noPredictionText={noPredictionText} />,
  );
  return screen.getByTestId("grid-cell");
}

afterEach(cleanup);

describe("ItemCell", () => {
  it("tells an item the run failed on from one it has no prediction for", () => {
    const failed = cell(summary({ failed: true }), true, "not in this run");
    expect(failed.querySelector(".pred-badge")!.textContent).toBe("failed");
    expect(failed.title).toContain("Prediction: failed in this run");
    cleanup();
    const absent = cell(summary({ failed: false }), true, "not in this run");
    expect(absent.querySelector(".pred-badge")!.textContent).toBe("not in this run");
    expect(absent.title).toContain("Prediction: not in this run");
    cleanup();
    const predicted = cell(summary({ predicted: "9", confidence: 0.75 }), true, "not in this run");
    expect(predicted.querySelector(".pred-badge")!.textContent).toBe("9 · 75%");
  });

  it("shows a text item's snippet where an image's thumbnail would be", () => {
    const el = cell(summary({ hasMedia: false, snippet: "Screen cracked in a week", id: "r2" }));
    expect(screen.getByTestId("cell-snippet").textContent).toBe("Screen cracked in a week");
    expect(el.className).toContain("text-cell");
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).not.toContain("no image");
    expect(screen.getByTestId("cell-snippet").style.textIndent).toBe("0px");
    cleanup();
    // Its first line starts after the review marks at the top left.
    cell(summary({ hasMedia: false, snippet: "Decided and flagged", review: "decided", flagged: true }));
    expect(screen.getByTestId("cell-snippet").style.textIndent).toBe("34px");
  });

  it("shows the decided label, the given one it replaced struck through, and a decided mark", () => {
    const el = cell(summary({ review: "decided", finalLabel: "9" }));
    expect(el.dataset.review).toBe("decided");
    expect(el.dataset.final).toBe("9");
    const label = screen.getByTestId("cell-label");
    expect(label.className).toContain("final");
    expect(label.querySelector(".cell-label-text")!.textContent).toBe("9");
    expect(label.querySelector("s")!.textContent).toBe("8");
    expect((label.querySelector(".dot") as HTMLElement).style.background).toBe("rgb(0, 0, 255)");
    expect(el.querySelector(".cell-mark.decided")).not.toBeNull();
    expect(el.title).toContain("Final label: 9 (given 8)");
  });

  it("marks a conflict, a wait and a flag, and keeps the given label until decided", () => {
    const el = cell(summary({ review: "conflict", flagged: true }));
    expect(el.querySelector(".cell-mark.conflict")).not.toBeNull();
    expect(el.querySelector(".cell-mark.flagged")).not.toBeNull();
    expect(el.dataset.flagged).toBe("");
    const label = screen.getByTestId("cell-label");
    expect(label.className).not.toContain("final");
    expect(label.textContent).toBe("8");
    expect(el.title).toMatch(/Conflict.*\n.*Flagged/s);
    cleanup();
    const waiting = cell(summary({ review: "pending" }));
    expect(waiting.querySelector(".cell-mark.waiting")).not.toBeNull();
    cleanup();
    const plain = cell(summary({}));
    expect(plain.querySelector(".cell-marks")).toBeNull();
    expect(plain.dataset.flagged).toBeUndefined();
  });
});
