import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ItemPrediction } from "../bindings/ItemPrediction";
import type { RunInfo } from "../bindings/RunInfo";

const itemPrediction = vi.fn();
vi.mock("../ipc", () => ({
  itemPrediction: (...a: unknown[]) => itemPrediction(...a),
}));

const { PredictionSection } = await import("./ItemView");

const RUN: RunInfo = {
  run: 3,
  model: "digits-cnn@1",
  dataset: "digits@2",
  versionId: 12,
  status: "done",
  items: 100,
  failed: 1,
  provider: "CPUExecutionProvider",
  requestedDevice: "cpu",
  notice: null,
  seconds: 1,
  itemsPerSecond: 100,
  temperature: null,
};

async function show(prediction: ItemPrediction | null, label: string | null) {
  itemPrediction.mockResolvedValue(prediction);
  render(<PredictionSection run={RUN} rowid={42} label={label} />);
  await act(async () => {
    await new Promise((r) => setTimeout(r, 80)); // the request is slightly delayed
  });
}

beforeEach(() => {
  itemPrediction.mockReset();
});
afterEach(cleanup);

describe("PredictionSection", () => {
  it("shows the top classes as bars, highlights the prediction and marks the given label", async () => {
    await show(
      {
        run: 3,
        predicted: "7",
        confidence: 0.9,
        top: [
          ["7", 0.9],
          ["1", 0.07],
          ["9", 0.03],
        ],
        error: null,
      },
      "1",
    );
    expect(itemPrediction).toHaveBeenCalledWith(3, 42);
    const bars = screen.getAllByTestId("prob-bar");
    expect(bars.map((b) => b.dataset.class)).toEqual(["7", "1", "9"]);
    expect(bars[0]!.className).toContain("predicted");
    expect(bars[0]!.textContent).toContain("90.0%");
    expect(bars[1]!.className).toContain("given");
    expect(bars[1]!.className).toContain("disagrees");
    expect(bars[1]!.textContent).toContain("label");
    expect(bars[2]!.className).not.toMatch(/predicted|given/);
    expect((bars[0]!.querySelector(".prob-fill") as HTMLElement).style.width).toBe("90%");
    expect(screen.getByTestId("item-prediction").textContent).toContain("Run 3 · digits-cnn@1");
  });

  it("says when the given label is not among the top classes", async () => {
    await show({ run: 3, predicted: "7", confidence: 0.9, top: [["7", 0.9]], error: null }, "4");
    expect(screen.getByTestId("item-prediction").textContent).toContain("is not among the 1 most probable classes");
  });

  it("shows why the item failed", async () => {
    await show({ run: 3, predicted: null, confidence: null, top: [], error: "cannot decode images/x.png: truncated" }, "1");
    expect(screen.getByTestId("item-prediction-error").textContent).toContain("cannot decode images/x.png: truncated");
    expect(screen.queryAllByTestId("prob-bar")).toHaveLength(0);
  });

  it("says when the run has not reached the item", async () => {
    await show(null, null);
    expect(screen.getByTestId("item-prediction").textContent).toContain("This run has not predicted this item.");
  });
});
