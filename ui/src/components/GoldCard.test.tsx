import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { rawReport } from "../lib/report.fixture";

const listAnnotators = vi.fn();
const listQualifications = vi.fn();
const addGold = vi.fn();
const resetQualification = vi.fn();
const listGold = vi.fn();
const removeGold = vi.fn();
vi.mock("../ipc", () => ({
  listGold: (...a: unknown[]) => listGold(...a),
  removeGold: (...a: unknown[]) => removeGold(...a),
  listAnnotators: (...a: unknown[]) => listAnnotators(...a),
  listQualifications: (...a: unknown[]) => listQualifications(...a),
  addGold: (...a: unknown[]) => addGold(...a),
  resetQualification: (...a: unknown[]) => resetQualification(...a),
}));

const { GoldCard } = await import("./GoldCard");

const project: ProjectInfo = { path: "/p/pets", name: "pets", labels: [], datasets: 1, items: 1000 };
const qual = (annotator: string, status: string, labeled: number, correct: number) => ({
  annotator,
  queue: "qual",
  status,
  labeled,
  correct,
  passItems: 5,
  passAccuracy: 0.8,
});

async function flush() {
  for (let i = 0; i < 4; i++) {
    await act(async () => {
      await Promise.resolve();
    });
  }
}

beforeEach(() => {
  for (const f of [listAnnotators, listQualifications, addGold, resetQualification, listGold, removeGold]) f.mockReset();
  listGold.mockResolvedValue([
    { itemId: "img_1", dataset: "pets@1", label: "cat", addedBy: "lea", addedAt: "2026-01-01T00:00:00Z" },
    { itemId: "img_2", dataset: "pets@1", label: "dog", addedBy: "lea", addedAt: "2026-01-01T00:00:00Z" },
  ]);
  removeGold.mockResolvedValue(1);
  localStorage.clear();
  listAnnotators.mockResolvedValue([
    { name: "lea", role: "lead" },
    { name: "ana", role: "annotator" },
  ]);
  listQualifications.mockResolvedValue([qual("ana", "passed", 5, 5), qual("ben", "failed", 5, 2)]);
  addGold.mockResolvedValue({ dataset: "pets@1", candidates: 1000, added: 50, unchanged: 0, byLabel: [] });
  resetQualification.mockResolvedValue(undefined);
});
afterEach(cleanup);

function as(name: string) {
  localStorage.setItem(`arbiter.annotator:${project.path}`, JSON.stringify(name));
}

describe("GoldCard", () => {
  it("draws each annotator's accuracy on gold with its interval, and opens a lead's view of the missed items", async () => {
    render(<GoldCard report={rawReport()} project={project} onChanged={() => {}} />);
    await flush();
    const rows = screen.getAllByTestId("gold-row");
    expect(rows.map((r) => r.dataset.annotator)).toEqual(["ana", "ben"]);
    expect(rows[1]?.dataset.accuracy).toBe("0.25");
    expect(rows[1]?.dataset.low).toBe("0.046");
    expect(rows[1]?.dataset.high).toBe("0.699");
    expect(rows[1]?.textContent).toContain("1 / 4");
    // The interval is drawn: a band from low to high, the point at the estimate.
    const band = rows[1]?.querySelector(".ci-range") as HTMLElement;
    expect(band.style.left).toBe("4.6%");
    expect(parseFloat(band.style.width)).toBeCloseTo(65.3, 5);
    expect((rows[1]?.querySelector(".ci-point") as HTMLElement).style.left).toBe("25%");
    expect(screen.queryByTestId("gold-missed")).toBeNull();
    fireEvent.click(screen.getAllByTestId("gold-missed-toggle")[1] as HTMLElement);
    const missed = screen.getByTestId("gold-missed");
    expect([...missed.querySelectorAll("li")].map((li) => li.dataset.itemId)).toEqual(["img_7", "img_9", "img_12"]);
    expect(missed.textContent).toContain("img_12: labeled cat, the answer is bird");
  });

  it("offers no missed items without the answers, and says how gold starts when there is none", async () => {
    const r = rawReport();
    r.gold.annotators = [];
    render(<GoldCard report={r} project={project} onChanged={() => {}} />);
    await flush();
    expect(screen.getAllByTestId("gold-row")).toHaveLength(2);
    expect(screen.queryByTestId("gold-missed-toggle")).toBeNull();
    cleanup();
    for (const a of r.annotators) a.gold = { items: 0, correct: 0, accuracy: null, low: null, high: null };
    render(<GoldCard report={r} project={project} onChanged={() => {}} />);
    await flush();
    expect(screen.getByTestId("dash-gold-empty").textContent).toContain("arbiter gold add");
  });

  it("lets a lead mark gold and let a failed annotator retake the qualification; others only see the standing", async () => {
    as("lea");
    const changed = vi.fn();
    render(<GoldCard report={rawReport()} project={project} onChanged={changed} />);
    await flush();
    const standing = screen.getAllByTestId("qualification-row");
    expect(standing.map((r) => [r.dataset.annotator, r.dataset.status])).toEqual([
      ["ana", "passed"],
      ["ben", "failed"],
    ]);
    expect(standing[1]?.textContent).toContain("2 / 5");
    fireEvent.change(screen.getByTestId("gold-share"), { target: { value: "2.5" } });
    fireEvent.change(screen.getByTestId("gold-source"), { target: { value: "decisions" } });
    fireEvent.click(screen.getByTestId("gold-mark-submit"));
    await flush();
    expect(addGold).toHaveBeenCalledWith({ source: "decisions", dataset: null, share: 0.025, count: null, seed: 1 }, "lea");
    expect(screen.getByTestId("gold-mark-done").textContent).toContain("50 gold items marked in pets@1");
    expect(changed).toHaveBeenCalledTimes(1);
    fireEvent.change(screen.getByTestId("gold-share"), { target: { value: "0" } });
    fireEvent.click(screen.getByTestId("gold-mark-submit"));
    await flush();
    expect(screen.getByTestId("gold-mark-error").textContent).toContain("between 0 and 100%");
    expect(addGold).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getAllByTestId("qualification-reset")[1] as HTMLElement);
    await flush();
    expect(resetQualification).toHaveBeenCalledWith("qual", "ben", "lea");
    // The gold items and their answers, each removable.
    expect(screen.getByTestId("gold-list").textContent).toContain("2 gold items and their answers");
    fireEvent.click(screen.getAllByTestId("gold-remove")[0] as HTMLElement);
    await flush();
    expect(removeGold).toHaveBeenCalledWith(["img_1"], "pets@1", "lea");
    expect(screen.getAllByTestId("gold-item").map((r) => r.dataset.itemId)).toEqual(["img_2"]);
    cleanup();
    as("ana");
    render(<GoldCard report={rawReport()} project={project} onChanged={changed} />);
    await flush();
    expect(screen.queryByTestId("gold-mark")).toBeNull();
    expect(screen.queryByTestId("gold-list")).toBeNull();
    expect(listGold).toHaveBeenCalledTimes(1); // only for the lead's view
    expect(screen.queryByTestId("qualification-reset")).toBeNull();
    expect(screen.getAllByTestId("qualification-row")).toHaveLength(2);
  });
});
