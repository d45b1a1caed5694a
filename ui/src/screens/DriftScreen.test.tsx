import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { driftReport } from "../lib/drift.fixture";

const driftReportCall = vi.fn();
const saveDriftQueue = vi.fn();
const listDatasets = vi.fn();
const listRuns = vi.fn();
vi.mock("../ipc", () => ({
  driftReport: (...a: unknown[]) => driftReportCall(...a),
  saveDriftQueue: (...a: unknown[]) => saveDriftQueue(...a),
  listDatasets: (...a: unknown[]) => listDatasets(...a),
  listRuns: (...a: unknown[]) => listRuns(...a),
}));
vi.mock("../components/charts/EChart", () => ({
  EChart: ({ label }: { label: string }) => <div data-chart={label} />,
}));

const { DriftScreen } = await import("./DriftScreen");

const project: ProjectInfo = { path: "/p/wine", name: "wine", labels: [], datasets: 1, items: 356 };
const version = (id: number, v: number) => ({ id, version: v, contentHash: "h", items: 178, labeled: 0, createdAt: "x", featureNames: ["alcohol", "ash"] });

async function flush() {
  for (let i = 0; i < 4; i++) {
    await act(async () => {
      await Promise.resolve();
    });
  }
}

beforeEach(() => {
  for (const f of [driftReportCall, saveDriftQueue, listDatasets, listRuns]) f.mockReset();
  listDatasets.mockResolvedValue([{ id: 1, name: "wine", source: "w", versions: [version(2, 2), version(1, 1)] }]);
  listRuns.mockResolvedValue([]);
  driftReportCall.mockResolvedValue(driftReport());
});
afterEach(cleanup);

describe("DriftScreen", () => {
  it("compares the two newest versions and shows the verdict, the columns and a histogram", async () => {
    render(<DriftScreen project={project} onBack={() => {}} />);
    await flush();
    expect(driftReportCall).toHaveBeenCalledWith({ reference: "wine@1", current: "wine@2", psi: false, classifier: false });
    expect(screen.getByTestId("drift-verdict-line").textContent).toBe("1 of 2 columns drifted");
    expect(screen.getAllByTestId("drift-row").map((r) => r.dataset.drifted)).toEqual(["true", "false"]);
    expect(screen.getByTestId("drift-histogram").dataset.column).toBe("alcohol");
    fireEvent.click(screen.getAllByTestId("drift-row")[1]!);
    expect(screen.getByTestId("drift-histogram").dataset.column).toBe("ash");
    fireEvent.click(screen.getByTestId("drift-psi"));
    await flush();
    expect(driftReportCall).toHaveBeenLastCalledWith({ reference: "wine@1", current: "wine@2", psi: true, classifier: false });
  });

  it("queues the drifted items under a name, and shows a refusal's message", async () => {
    saveDriftQueue.mockRejectedValueOnce({ code: "invalid_input", message: "a queue is made of a run's items and wine@2 has no finished run" });
    saveDriftQueue.mockResolvedValueOnce({ name: "drift wine@2", counts: { total: 178 } });
    render(<DriftScreen project={project} onBack={() => {}} />);
    await flush();
    fireEvent.click(screen.getByTestId("drift-queue"));
    expect((screen.getByTestId("drift-queue-name") as HTMLInputElement).value).toBe("drift wine@2");
    fireEvent.click(screen.getByTestId("drift-queue-save"));
    await flush();
    expect(screen.getByTestId("drift-queue-error").textContent).toContain("has no finished run");
    fireEvent.change(screen.getByTestId("drift-queue-limit"), { target: { value: "50" } });
    fireEvent.click(screen.getByTestId("drift-queue-save"));
    await flush();
    expect(saveDriftQueue).toHaveBeenLastCalledWith({ reference: "wine@1", current: "wine@2", name: "drift wine@2", limit: 50 });
    expect(screen.getByTestId("drift-queue-done").textContent).toContain("178 items");
  });

  it("shows the estimate beside the measured accuracy with its warning", async () => {
    driftReportCall.mockResolvedValue(
      driftReport({
        estimatedAccuracy: {
          estimate: 0.91,
          calibrated: false,
          temperature: null,
          reference: { items: 40, correct: 36, accuracy: 0.9, low: 0.77, high: 0.96 },
          warning: "The estimate is run 2's mean top-class probability, uncalibrated; it assumes no concept drift",
        },
      }),
    );
    render(<DriftScreen project={project} onBack={() => {}} />);
    await flush();
    const card = screen.getByTestId("drift-accuracy");
    expect(card.textContent).toContain("91.0%");
    expect(card.textContent).toContain("uncalibrated");
    expect(card.textContent).toContain("95% 77.0%–96.0%");
    expect(screen.getByTestId("drift-accuracy-warning").textContent).toContain("concept drift");
  });

  it("says when the report makes the auto-accept in force stale", async () => {
    driftReportCall.mockResolvedValue(
      driftReport({
        autoAcceptStale: {
          run: 1,
          threshold: 0.93,
          recorded: true,
          verdict: {
            reference: "wine@1",
            current: "wine@2",
            reason: "dataset drift",
            columns: ["alcohol"],
            share_drifted: 0.5,
            domain_auc: null,
            by: "arbiter",
            at: "2026-12-06T18:00:00Z",
          },
        },
      }),
    );
    render(<DriftScreen project={project} onBack={() => {}} />);
    await flush();
    const notice = screen.getByTestId("drift-autoaccept-stale");
    expect(notice.textContent).toContain("Auto-accept on run 1 (confidence ≥ 0.9300) is stale");
    expect(notice.textContent).toContain("dataset drift; drifted columns: alcohol");
  });
});
