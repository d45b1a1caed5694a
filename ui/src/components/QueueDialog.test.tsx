import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

const createQueue = vi.fn();
const countBelow = vi.fn(async (_run: number, _threshold: number, _calibrated?: boolean) => ({ below: 4, total: 10 }));
vi.mock("../ipc", () => ({
  listRuns: async () => [
    { run: 3, model: "m@1", dataset: "d@1", versionId: 1, status: "done", items: 10, temperature: null },
    { run: 4, model: "m@2", dataset: "d@1", versionId: 1, status: "done", items: 10, temperature: 1.5 },
  ],
  countBelow: (run: number, threshold: number, calibrated?: boolean) => countBelow(run, threshold, calibrated),
  listQueues: async () => [
    { id: 1, name: "audit", run: 3, strategy: "random", threshold: null, counts: { done: 40, total: 60 } },
    { id: 2, name: "low", run: 3, strategy: "random", threshold: 0.8, counts: { done: 0, total: 5 } },
    { id: 3, name: "hard", run: 3, strategy: "margin", threshold: null, counts: { done: 0, total: 5 } },
  ],
  createQueue: (r: unknown) => createQueue(r),
}));

const { QueueDialog } = await import("./QueueDialog");

afterEach(() => {
  cleanup();
  createQueue.mockReset();
});

async function flush() {
  await act(async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  });
}

describe("QueueDialog's Assign to", () => {
  it("splits the queue between the annotators picked or typed", async () => {
    createQueue.mockImplementation(async (r) => ({ ...r, id: 1, counts: {}, assignees: r.assign }));
    const onCreated = vi.fn();
    render(<QueueDialog annotators={3} names={["ana", "ben", "cy"]} onClose={() => {}} onCreated={onCreated} />);
    await flush();
    expect(screen.getByTestId("queue-assign-summary").textContent).toBe("Anyone takes any item.");
    const chips = screen.getAllByTestId("queue-assign-name");
    fireEvent.click(chips[0]!);
    fireEvent.click(chips[1]!);
    expect((screen.getByTestId("queue-assign") as HTMLInputElement).value).toBe("ana, ben");
    expect(chips[0]!.getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByTestId("queue-assign-summary").textContent).toContain("split between ana and ben");
    fireEvent.click(screen.getByTestId("queue-create"));
    await flush();
    expect(createQueue).toHaveBeenCalledWith(expect.objectContaining({ assign: ["ana", "ben"] }));
    expect(onCreated).toHaveBeenCalled();
  });

  it("refuses a name listed twice before sending anything", async () => {
    render(<QueueDialog annotators={2} names={["ana", "ben"]} onClose={() => {}} onCreated={() => {}} />);
    await flush();
    fireEvent.change(screen.getByTestId("queue-assign"), { target: { value: "ana, ana" } });
    fireEvent.click(screen.getByTestId("queue-create"));
    await flush();
    expect(createQueue).not.toHaveBeenCalled();
    expect(screen.getByText("ana is listed twice")).toBeTruthy();
  });
});

describe("QueueDialog's set-size queue", () => {
  it("calibrates on a random queue of the run without threshold, at the level given", async () => {
    createQueue.mockImplementation(async (r) => ({ ...r, id: 4, counts: {}, assignees: [] }));
    render(<QueueDialog annotators={1} names={["ana"]} onClose={() => {}} onCreated={() => {}} />);
    await flush();
    fireEvent.change(screen.getByTestId("queue-strategy"), { target: { value: "set-size" } });
    const options = Array.from((screen.getByTestId("queue-calibration") as HTMLSelectElement).options).map((o) => o.value);
    expect(options).toEqual(["", "audit"]);
    fireEvent.click(screen.getByTestId("queue-create"));
    await flush();
    expect(createQueue).not.toHaveBeenCalled();
    expect(screen.getByText("Choose a random queue to calibrate on")).toBeTruthy();
    fireEvent.change(screen.getByTestId("queue-calibration"), { target: { value: "audit" } });
    fireEvent.change(screen.getByTestId("queue-alpha"), { target: { value: "5" } });
    fireEvent.click(screen.getByTestId("queue-create"));
    await flush();
    expect(createQueue).toHaveBeenCalledWith(expect.objectContaining({ strategy: "set-size", calibration: "audit", alpha: 0.05, threshold: null }));
  });
});

describe("QueueDialog's calibrated confidence", () => {
  it("is offered for a calibrated run only, counts and ranks by it, and does not carry over to another run", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      createQueue.mockImplementation(async (r) => ({ ...r, id: 5, counts: {}, assignees: [] }));
      render(<QueueDialog annotators={1} names={["ana"]} onClose={() => {}} onCreated={() => {}} />);
      await flush();
      // On run 3 (no temperature) a queue is sent without it.
      fireEvent.click(screen.getByTestId("queue-create"));
      await flush();
      expect(createQueue.mock.lastCall?.[0]).not.toHaveProperty("calibrated");
      cleanup();
      render(<QueueDialog annotators={1} names={["ana"]} onClose={() => {}} onCreated={() => {}} />);
      await flush();
      const box = () => screen.getByTestId("queue-calibrated") as HTMLInputElement;
      expect(box().disabled).toBe(true);
      expect(screen.getByTestId("queue-calibrated-text").textContent).toContain("calibrate this run on the Dashboard first");
      fireEvent.change(screen.getByTestId("queue-run"), { target: { value: "4" } });
      await flush();
      expect(box().disabled).toBe(false);
      expect(screen.getByTestId("queue-calibrated-text").textContent).toBe("Rank by calibrated confidence (T = 1.500)");
      fireEvent.click(box());
      fireEvent.click(screen.getByTestId("threshold-enabled"));
      countBelow.mockClear();
      await act(async () => {
        vi.advanceTimersByTime(500);
      });
      await flush();
      expect(countBelow).toHaveBeenLastCalledWith(4, 0.6, true);
      expect(screen.getByTestId("threshold-count").textContent).toBe("4 of 10 items below 0.60 calibrated confidence");
      // Run 3 has no temperature: the choice does not carry over to it.
      fireEvent.change(screen.getByTestId("queue-run"), { target: { value: "3" } });
      await flush();
      expect(box().checked).toBe(false);
      expect(box().disabled).toBe(true);
      fireEvent.change(screen.getByTestId("queue-run"), { target: { value: "4" } });
      await flush();
      expect(box().checked).toBe(true);
      fireEvent.click(screen.getByTestId("queue-create"));
      await flush();
      expect(createQueue).toHaveBeenLastCalledWith(expect.objectContaining({ run: 4, calibrated: true, threshold: 0.6 }));
    } finally {
      vi.useRealTimers();
    }
  });
});
