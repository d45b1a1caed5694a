import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LiveUpdate } from "../lib/liveUpdates";

const listeners = new Set<(u: LiveUpdate) => void>();
vi.mock("../ipc", () => ({
  onLiveUpdates: (listener: (u: LiveUpdate) => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
}));

const { LiveJobs } = await import("./LiveJobs");

afterEach(cleanup);

const send = (u: LiveUpdate) => act(() => listeners.forEach((l) => l(u)));
const job = (done: number, status = "running", failed = 0): LiveUpdate => ({
  type: "job",
  kind: "run",
  run: 4,
  model: "digits-cnn@1",
  dataset: "digits@1",
  done,
  failed,
  total: 1797,
  status,
});

describe("LiveJobs", () => {
  it("shows a run started elsewhere with its progress, and nothing once it ended", () => {
    render(<LiveJobs />);
    expect(screen.queryByTestId("live-jobs")).toBeNull();
    send(job(256));
    const row = screen.getByTestId("live-job");
    expect(row.getAttribute("data-run")).toBe("4");
    expect(row.textContent).toContain("Running digits-cnn@1 on digits@1");
    expect(row.textContent).toContain("256 / 1,797");
    send(job(1024, "running", 3));
    expect(screen.getByTestId("live-job").textContent).toContain("1,024 / 1,797 · 3 failed");
    expect((screen.getByTestId("live-job").querySelector("progress") as HTMLProgressElement).value).toBe(1024);
    send({ type: "changed", by: "bob", what: "annotations" });
    expect(screen.getByTestId("live-job")).toBeTruthy();
    send(job(1797, "done"));
    expect(screen.queryByTestId("live-jobs")).toBeNull();
  });
  it("stops listening when it goes away", () => {
    const { unmount } = render(<LiveJobs />);
    expect(listeners.size).toBe(1);
    unmount();
    expect(listeners.size).toBe(0);
  });
});
