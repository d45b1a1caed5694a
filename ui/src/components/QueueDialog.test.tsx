import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

const createQueue = vi.fn();
vi.mock("../ipc", () => ({
  listRuns: async () => [{ run: 3, model: "m@1", dataset: "d@1", versionId: 1, status: "done", items: 10 }],
  countBelow: async () => ({ below: 4, total: 10 }),
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
