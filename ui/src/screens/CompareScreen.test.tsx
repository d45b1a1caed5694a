import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ComparisonDto } from "../bindings/ComparisonDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { RunInfo } from "../bindings/RunInfo";

const listRuns = vi.fn();
const listQueues = vi.fn();
const compareRuns = vi.fn();
vi.mock("../ipc", () => ({
  listRuns: (...a: unknown[]) => listRuns(...a),
  listQueues: (...a: unknown[]) => listQueues(...a),
  compareRuns: (...a: unknown[]) => compareRuns(...a),
}));

const { CompareScreen } = await import("./CompareScreen");

const project: ProjectInfo = { path: "/p/pets", name: "pets", labels: [], datasets: 1, items: 1000 };
const run = (id: number, model: string): RunInfo =>
  ({ run: id, model, dataset: "pets@1", versionId: 7, status: "done", items: 1000, failed: 0 }) as RunInfo;
const result: ComparisonDto = {
  on: null,
  items: 200,
  runs: [
    { run: 1, model: "net-fp32@1", correct: 180, accuracy: 0.9, ci_low: 0.85, ci_high: 0.93, macro_f1: 0.88, ece: 0.04 },
    { run: 2, model: "net-int8@1", correct: 178, accuracy: 0.89, ci_low: 0.84, ci_high: 0.93, macro_f1: 0.87, ece: 0.05 },
  ],
  flips: { total: 6, "a_only": 4, "b_only": 2 },
  mcnemar_p: 0.6875,
};

async function flush() {
  for (let i = 0; i < 4; i++) {
    await act(async () => {
      await Promise.resolve();
    });
  }
}

beforeEach(() => {
  for (const f of [listRuns, listQueues, compareRuns]) f.mockReset();
  listRuns.mockResolvedValue([run(2, "net-int8@1"), run(1, "net-fp32@1")]);
  listQueues.mockResolvedValue([{ id: 3, name: "audit" }]);
  compareRuns.mockResolvedValue(result);
});
afterEach(cleanup);

describe("CompareScreen", () => {
  it("compares the two newest runs of a version, older as A, and says what it means", async () => {
    render(<CompareScreen project={project} onBack={() => {}} />);
    await flush();
    expect(compareRuns).toHaveBeenCalledWith(1, 2, null);
    expect(screen.getByTestId("compare-verdict").textContent).toContain("No clear difference on 200 decided items");
    expect(screen.getByTestId("compare-row-a").textContent).toContain("Run 1 · net-fp32@1");
    expect(screen.getByTestId("compare-row-b").textContent).toContain("0.870");
    expect(screen.getAllByRole("img", { name: /95% interval/ })).toHaveLength(2);
    expect(screen.getByTestId("compare-flips").textContent).toContain("4 right by A only, 2 right by B only · McNemar exact p = 0.688");
  });

  it("compares on a queue and shows a refusal with its code", async () => {
    render(<CompareScreen project={project} onBack={() => {}} />);
    await flush();
    compareRuns.mockRejectedValue({ code: "invalid_input", message: "runs 1 and 2 have no decided item in common in queue \"audit\"" });
    fireEvent.change(screen.getByTestId("compare-on"), { target: { value: "audit" } });
    await flush();
    expect(compareRuns).toHaveBeenLastCalledWith(1, 2, "audit");
    expect(screen.getByTestId("compare-error").textContent).toContain("no decided item in common");
    expect(screen.queryByTestId("compare-result")).toBeNull();
  });
});
