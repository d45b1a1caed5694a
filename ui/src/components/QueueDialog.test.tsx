import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

const createQueue = vi.fn();
vi.mock("../ipc", () => ({
  listRuns: async () => [{ run: 3, model: "m@1", dataset: "d@1", versionId: 1, status: "done", items: 10 }],
  countBelow: async () => ({ below: 4, total: 10 }),
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
