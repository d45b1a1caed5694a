import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AutoAcceptDto } from "../bindings/AutoAcceptDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";

const listQueues = vi.fn();
const calibrateRun = vi.fn();
const riskCurve = vi.fn();
const applyAutoaccept = vi.fn();
vi.mock("../ipc", () => ({
  listQueues: (...a: unknown[]) => listQueues(...a),
  calibrateRun: (...a: unknown[]) => calibrateRun(...a),
  riskCurve: (...a: unknown[]) => riskCurve(...a),
  applyAutoaccept: (...a: unknown[]) => applyAutoaccept(...a),
}));
vi.mock("./reviewHooks", () => ({ useAnnotators: () => ({ current: { name: "lea", role: "lead" } }) }));
vi.mock("./charts/EChart", () => ({ EChart: () => <div /> }));

const { CalibrationCard } = await import("./CalibrationCard");

const project: ProjectInfo = { path: "/p/wine", name: "wine", labels: [], datasets: 2, items: 356 };
const stale = {
  reference: "run 1 (wine@1)",
  current: "wine@2",
  reason: "domain classifier",
  columns: ["alcohol", "proline"],
  share_drifted: 2 / 13,
  domain_auc: 0.91,
  by: "arbiter",
  at: "2026-12-06T18:00:00Z",
};
const point: AutoAcceptDto = {
  run: 1,
  sample: "audit",
  risk: 0.02,
  delta: 0.05,
  temperature: 1.4,
  threshold: 0.9731,
  sample_accepted: 180,
  sample_errors: 1,
  upper_bound: 0.0262,
  coverage: 0.641,
  accepted: 1152,
  status: "certified",
  labels_needed: null,
  applied: false,
  stale,
  despite_drift: false,
};

async function flush() {
  for (let i = 0; i < 4; i++) {
    await act(async () => {
      await Promise.resolve();
    });
  }
}

beforeEach(() => {
  for (const f of [listQueues, calibrateRun, riskCurve, applyAutoaccept]) f.mockReset();
  listQueues.mockResolvedValue([{ id: 1, name: "audit", run: 1, strategy: "random", threshold: null, counts: { done: 100, total: 100 } }]);
  calibrateRun.mockResolvedValue({ run: 1, sample: "audit", items: 100, temperature: 1.4, at_bound: null, nll_before: 0.3, nll_after: 0.2, ece_before: 0.1, ece_after: 0.05, bins_before: [], bins_after: [] });
  riskCurve.mockResolvedValue([point, point, point]);
  applyAutoaccept.mockResolvedValue({ ...point, applied: true, despite_drift: true });
});
afterEach(cleanup);

describe("CalibrationCard fitting a temperature", () => {
  it("flags a T that stopped at the bound of its search, and says nothing of an ordinary one", async () => {
    calibrateRun.mockResolvedValueOnce({ run: 1, sample: "audit", items: 100, temperature: 0.05, at_bound: 0.05, nll_before: 0.1, nll_after: 0.001, ece_before: 0.08, ece_after: 0.05, bins_before: [], bins_after: [] });
    render(<CalibrationCard project={project} run={1} onChanged={() => {}} />);
    await flush();
    fireEvent.click(screen.getByTestId("calibration-fit"));
    await flush();
    const note = screen.getByTestId("calibration-at-bound").textContent ?? "";
    expect(note).toContain("T stopped at 0.05, the lower bound of its search");
    expect(note).toContain("no errors, or almost none, among confident predictions");
    expect(note).toContain("Label more of the sample");
    // The default mock: T = 1.4 inside the range.
    fireEvent.click(screen.getByTestId("calibration-fit"));
    await flush();
    expect(screen.queryByTestId("calibration-at-bound")).toBeNull();
  });
});

describe("CalibrationCard on a run whose data drifted", () => {
  it("shows the verdict and applies only after the lead chooses to, saying so", async () => {
    render(<CalibrationCard project={project} run={1} onChanged={() => {}} />);
    await flush();
    fireEvent.click(screen.getByTestId("calibration-fit"));
    await flush();
    expect(screen.getByTestId("calibration-stale").textContent).toContain("Stale: run 1’s data drifted.");
    expect(screen.getByTestId("calibration-stale").textContent).toContain("drifted columns: alcohol, proline");
    const apply = screen.getByTestId("calibration-apply") as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    expect(apply.textContent).toBe("Apply despite the drift at 2.0% risk");
    fireEvent.click(screen.getByTestId("calibration-despite-drift"));
    expect(apply.disabled).toBe(false);
    fireEvent.click(apply);
    await flush();
    expect(applyAutoaccept).toHaveBeenCalledWith(1, "audit", 0.02, 0.05, true, "lea");
    expect(screen.getByTestId("calibration-applied").textContent).toContain("despite the drift (recorded)");
  });
});
