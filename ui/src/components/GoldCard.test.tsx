import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { rawReport } from "../lib/report.fixture";
import { GoldCard } from "./GoldCard";

afterEach(cleanup);

describe("GoldCard", () => {
  it("draws each annotator's accuracy on gold with its interval, and opens a lead's view of the missed items", () => {
    render(<GoldCard report={rawReport()} />);
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

  it("offers no missed items without the answers, and says how gold starts when there is none", () => {
    const r = rawReport();
    r.gold.annotators = [];
    render(<GoldCard report={r} />);
    expect(screen.getAllByTestId("gold-row")).toHaveLength(2);
    expect(screen.queryByTestId("gold-missed-toggle")).toBeNull();
    cleanup();
    for (const a of r.annotators) a.gold = { items: 0, correct: 0, accuracy: null, low: null, high: null };
    render(<GoldCard report={r} />);
    expect(screen.getByTestId("dash-gold-empty").textContent).toContain("arbiter gold add");
  });
});
