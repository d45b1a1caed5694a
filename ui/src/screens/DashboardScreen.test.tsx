import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { rawReport } from "../lib/report.fixture";

const projectReport = vi.fn();
const agreementHistory = vi.fn();
const listRuns = vi.fn();
const listReasons = vi.fn();
const listAnnotators = vi.fn();
const setOrdinalLabels = vi.fn();
const setAgreementTarget = vi.fn();
vi.mock("../ipc", () => ({
  listQualifications: () => Promise.resolve([]),
  listQueues: () => Promise.resolve([]),
  listGold: () => Promise.resolve([]),
  setAgreementTarget: (...a: unknown[]) => setAgreementTarget(...a),
  listAnnotators: (...a: unknown[]) => listAnnotators(...a),
  setOrdinalLabels: (...a: unknown[]) => setOrdinalLabels(...a),
  projectReport: (...a: unknown[]) => projectReport(...a),
  agreementHistory: (...a: unknown[]) => agreementHistory(...a),
  listRuns: (...a: unknown[]) => listRuns(...a),
  listReasons: (...a: unknown[]) => listReasons(...a),
}));
// No canvas in jsdom: the chart itself is replaced by a stub that shows it got an option.
vi.mock("../components/charts/EChart", () => ({
  EChart: ({ label }: { label: string }) => <div data-chart={label} />,
}));

const { DashboardScreen } = await import("./DashboardScreen");

const project: ProjectInfo = { path: "/p/pets", name: "pets", labels: [], datasets: 1, items: 1000 };

async function flush() {
  for (let i = 0; i < 4; i++) {
    await act(async () => {
      await Promise.resolve();
    });
  }
}

beforeEach(() => {
  for (const f of [projectReport, agreementHistory, listRuns, listReasons, listAnnotators, setOrdinalLabels, setAgreementTarget]) f.mockReset();
  localStorage.clear();
  listAnnotators.mockResolvedValue([
    { name: "ana", role: "lead" },
    { name: "ben", role: "annotator" },
  ]);
  setOrdinalLabels.mockResolvedValue(true);
  projectReport.mockResolvedValue(rawReport());
  agreementHistory.mockResolvedValue([
    { at: "2026-01-01T00:00:00Z", scope: "project", annotations: 10, alpha: 0.6, fleiss: null, ac1: 0.7, percentAgreement: 0.8 },
  ]);
  listRuns.mockResolvedValue([]);
  listReasons.mockResolvedValue([]);
});
afterEach(cleanup);

describe("DashboardScreen", () => {
  it("shows every card, the figures, and the reasons for undefined statistics", async () => {
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    expect(projectReport).toHaveBeenCalledWith(null, null);
    // The history is read after the report (which may record a point).
    expect(agreementHistory.mock.invocationCallOrder[0]!).toBeGreaterThan(projectReport.mock.invocationCallOrder[0]!);
    for (const id of [
      "dash-progress",
      "dash-agreement",
      "chart-agreement-history",
      "chart-kappa-matrix",
      "chart-per-label",
      "dash-accuracy",
      "chart-reliability",
      "chart-confusion",
      "chart-reasons",
      "dash-annotators",
      "chart-activity",
    ]) {
      expect(screen.getByTestId(id)).toBeTruthy();
    }
    const agreement = screen.getByTestId("dash-agreement");
    expect(agreement.dataset.alpha).toBe("0.69");
    expect(agreement.textContent).toContain("0.690");
    expect(agreement.textContent).toContain("unequal numbers of ratings per item");
    expect(agreement.textContent).not.toContain("NaN");
    expect(screen.getByTestId("dash-progress").dataset.total).toBe("1000");
    expect(screen.getByTestId("chart-reliability").textContent).toContain("ECE 0.061");

    const accuracy = screen.getByTestId("dash-accuracy");
    expect(screen.getByTestId("dash-accuracy-random").textContent).toContain("85.0%");
    expect(screen.getByTestId("dash-accuracy-random").textContent).toContain("74.0% – 92.0%");
    expect(screen.getByTestId("dash-accuracy-uncertainty").textContent).toMatch(/biased by construction/i);
    expect(accuracy.dataset.accuracy).toBe("0.85");

    const annotators = screen.getByTestId("dash-annotators");
    expect(annotators.textContent).toContain("chance disagreement is zero");
    // Every chart card has both export buttons; the other cards have CSV only.
    expect(screen.getAllByTestId("chart-png")).toHaveLength(7);
    expect(screen.getAllByTestId("chart-csv")).toHaveLength(14);
    // The gold card sits among the cards, with each annotator's accuracy on gold.
    expect(screen.getAllByTestId("gold-row").map((r) => r.dataset.annotator)).toEqual(["ana", "ben"]);

    // Accuracy against reviewer decisions, per annotator.
    const vs = annotators.querySelectorAll("[data-testid=vs-reviewers]");
    expect(annotators.textContent).toContain("accuracy against reviewer decisions");
    expect(annotators.textContent).toContain("vs reviewers");
    expect(vs[0]!.textContent).toContain("75%");
    expect(vs[0]!.textContent).toContain("of 20");
    expect(vs[1]!.textContent).toBe("—");
    // Activity over time from the events.
    const activity = screen.getByTestId("chart-activity");
    expect(activity.dataset.bucket).toBe("hour");
    expect(activity.dataset.labels).toBe("820");
    expect(activity.dataset.decided).toBe("500");
    // Nominal schema: no ordinal figures.
    expect(screen.getByTestId("dash-scale").dataset.ordinal).toBe("false");
    expect(screen.queryByTestId("dash-ordinal")).toBeNull();
  });

  it("shows n beside every statistic and greys those on fewer than 10 items", async () => {
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    const alpha = () => document.querySelector('[data-testid="dash-figure"][data-figure="alpha"]') as HTMLElement;
    expect(alpha().dataset.items).toBe("260");
    expect(alpha().textContent).toContain("n = 260");
    expect(alpha().dataset.small).toBeUndefined();
    expect(screen.getByTestId("chart-reliability").textContent).toContain("ECE 0.061 · n = 100");
    expect(screen.getByTestId("chart-per-label").textContent).toContain("n = 260 items");
    expect(screen.getByTestId("chart-agreement-history").textContent).toContain("A point per 25 new ratings, plotted against the ratings given");
    const annaKappa = screen.getByTestId("dash-annotators").querySelector('tr[data-annotator="ana"] .kappa-cell') as HTMLElement;
    expect(annaKappa.textContent).toContain("n 180");
    expect(annaKappa.className).not.toContain("small-sample");
    cleanup();

    const raw = rawReport();
    const a = raw.agreement as Record<string, unknown>;
    a.items = 8;
    (a.per_annotator as Record<string, Record<string, unknown>>).ana!.items = 6;
    projectReport.mockResolvedValue(raw);
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    expect(alpha().dataset.small).toBe("");
    expect(alpha().textContent).toContain("few items");
    expect(alpha().title).toContain("Fewer than 10 items");
    expect(screen.getByTestId("chart-per-label").textContent).toContain("fewer than 10: greyed");
    const small = screen.getByTestId("dash-annotators").querySelector('tr[data-annotator="ana"] .kappa-cell') as HTMLElement;
    expect(small.className).toContain("small-sample");
    expect(small.textContent).toContain("n 6");
  });

  it("lets a lead mark the labels ordinal, and no one else", async () => {
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    const toggle = () => screen.getByTestId("dash-scale-toggle") as HTMLButtonElement;
    expect(toggle().disabled).toBe(true);
    expect(toggle().title).toMatch(/only a lead/i);
    cleanup();

    localStorage.setItem("arbiter.annotator:/p/pets", JSON.stringify("ben"));
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    expect(toggle().disabled).toBe(true);
    expect(toggle().title).toContain("ben is an annotator");
    cleanup();

    localStorage.setItem("arbiter.annotator:/p/pets", JSON.stringify("ana"));
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    expect(toggle().disabled).toBe(false);
    const raw = rawReport();
    raw.ordinal_labels = true;
    (raw.agreement as Record<string, unknown>).scale = "ordinal";
    (raw.agreement as Record<string, unknown>).krippendorff_alpha = { nominal: 0.69, ordinal: 0.72, interval: null };
    projectReport.mockResolvedValue(raw);
    const calls = projectReport.mock.calls.length;
    fireEvent.click(toggle());
    await flush();
    expect(setOrdinalLabels).toHaveBeenCalledWith("ana", true);
    expect(projectReport.mock.calls.length).toBe(calls + 1);
    expect(screen.getByTestId("dash-scale").dataset.ordinal).toBe("true");
    expect(screen.getByTestId("dash-scale").textContent).toContain("cat < dog < bird");
    expect(screen.getByTestId("dash-ordinal").textContent).toContain("0.720");
    expect(screen.getByTestId("dash-ordinal").textContent).toContain("labels are not numbers");
    expect(toggle().textContent).toBe("Mark nominal");
  });

  it("shows the agreement target's verdict with its figure and interval; a lead sets and clears it", async () => {
    const raw = rawReport();
    raw.target = {
      target: { statistic: "gwet_ac1", min: 0.75, on: "ci_low" },
      status: "fail",
      value: 0.74,
      interval: { low: 0.62, high: 0.81 },
      compared: 0.62,
      reason: null,
      summary: "fail: …",
    };
    projectReport.mockResolvedValue(raw);
    localStorage.setItem("arbiter.annotator:/p/pets", JSON.stringify("ben"));
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    const panel = () => screen.getByTestId("dash-target");
    expect(panel().dataset.status).toBe("fail");
    expect(screen.getByTestId("dash-target-status").textContent).toBe("Below target");
    expect(panel().textContent).toContain("Gwet's AC1 ≥ 0.75 on the low end of its 95% interval");
    expect(screen.getByTestId("dash-target-figure").textContent).toContain("Now 0.740 (95% 0.620–0.810)");
    // An annotator sees the target but cannot change it.
    expect(screen.queryByTestId("dash-target-edit")).toBeNull();
    cleanup();

    localStorage.setItem("arbiter.annotator:/p/pets", JSON.stringify("ana"));
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    fireEvent.click(screen.getByTestId("dash-target-edit"));
    fireEvent.change(screen.getByLabelText("Statistic"), { target: { value: "percent_agreement" } });
    fireEvent.change(screen.getByLabelText("Minimum"), { target: { value: "1.5" } });
    fireEvent.click(screen.getByTestId("dash-target-save"));
    await flush();
    expect(setAgreementTarget).not.toHaveBeenCalled();
    expect(panel().textContent).toContain("1.5: a number from 0 to 1");
    fireEvent.change(screen.getByLabelText("Minimum"), { target: { value: "0.9" } });
    fireEvent.click(screen.getByTestId("dash-target-save"));
    await flush();
    expect(setAgreementTarget).toHaveBeenCalledWith({ statistic: "percent_agreement", min: 0.9, on: "ci_low" }, "ana");
    fireEvent.click(screen.getByTestId("dash-target-clear"));
    await flush();
    expect(setAgreementTarget).toHaveBeenLastCalledWith(null, "ana");
  });

  it("shows agreement before and after each guideline change", async () => {
    const raw = rawReport();
    raw.schema_version = 12;
    raw.guideline_periods = [
      { schema_version: 0, since: null, until: "2026-01-02T00:00:00Z", changed: [], ratings: 40, items: 20, krippendorff_alpha: 0.5, percent_agreement: 0.7 },
      { schema_version: 12, since: "2026-01-02T00:00:00Z", until: null, changed: ["cat"], ratings: 30, items: 15, krippendorff_alpha: 0.8, percent_agreement: 0.9 },
    ];
    projectReport.mockResolvedValue(raw);
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    const card = screen.getByTestId("dash-guideline-periods");
    expect(card.dataset.periods).toBe("2");
    const rows = card.querySelectorAll("tbody tr");
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain("the start");
    expect(rows[0]!.textContent).toContain("0.500");
    expect(rows[1]!.textContent).toContain("v12");
    expect(rows[1]!.textContent).toContain("cat");
    expect(rows[1]!.textContent).toContain("90.0%");
  });

  it("says when no target is set", async () => {
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    expect(screen.getByTestId("dash-target").dataset.status).toBe("none");
    expect(screen.getByTestId("dash-target").textContent).toContain("exports are not gated");
  });

  it("asks for the chosen run's report", async () => {
    listRuns.mockResolvedValue([
      {
        run: 3,
        model: "m@1",
        dataset: "pets@1",
        versionId: 1,
        status: "done",
        items: 10,
        failed: 0,
        provider: "CPU",
        requestedDevice: "auto",
        notice: null,
        seconds: 1,
        itemsPerSecond: 10,
      },
    ]);
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    fireEvent.change(screen.getByTestId("dash-run"), { target: { value: "3" } });
    await flush();
    expect(projectReport).toHaveBeenLastCalledWith(3, null);
  });

  it("shows a failed report verbatim, and empty states without model quality", async () => {
    projectReport.mockRejectedValueOnce({ code: "io", message: "disk image is malformed" });
    render(<DashboardScreen project={project} onBack={() => {}} onExport={() => {}} />);
    await flush();
    expect(screen.getByTestId("dash-error").textContent).toContain("disk image is malformed");

    const raw = rawReport();
    raw.model_quality = null;
    projectReport.mockResolvedValue(raw);
    fireEvent.click(screen.getByText("Try again"));
    await flush();
    expect(screen.queryByTestId("dash-error")).toBeNull();
    expect(screen.getByTestId("dash-accuracy").textContent).toContain("No finished model run yet");
    expect(screen.getByTestId("chart-confusion").textContent).toContain("No finished model run yet");
  });
});
