import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { ModelDto } from "../bindings/ModelDto";
import type { RunInfo } from "../bindings/RunInfo";
import type { RunProgress } from "../bindings/RunProgress";

const startRun = vi.fn();
const cancelRun = vi.fn();
const listRuns = vi.fn();
const runFailures = vi.fn();
vi.mock("../ipc", () => ({
  runFailures: (...a: unknown[]) => runFailures(...a),
  startRun: (...a: unknown[]) => startRun(...a),
  cancelRun: (...a: unknown[]) => cancelRun(...a),
  listRuns: (...a: unknown[]) => listRuns(...a),
}));

const { RunDialog } = await import("./RunDialog");
const { useRunner } = await import("./useRun");

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const MODELS = [{ id: 1, name: "digits-cnn", version: 1, kind: "image", classes: ["0", "1"] }] as ModelDto[];
const DATASETS: DatasetInfo[] = [
  {
    id: 1,
    name: "digits",
    source: "/d.csv",
    versions: [
      { id: 12, version: 2, contentHash: "h2", items: 100, labeled: 90, createdAt: "2025-01-01T00:00:00Z", featureNames: [], texts: false },
      { id: 11, version: 1, contentHash: "h1", items: 80, labeled: 80, createdAt: "2024-01-01T00:00:00Z", featureNames: [], texts: false },
    ],
  },
];

const INFO: RunInfo = {
  run: 7,
  model: "digits-cnn@1",
  dataset: "digits@1",
  versionId: 11,
  status: "done",
  items: 80,
  failed: 2,
  provider: "CPUExecutionProvider",
  requestedDevice: "auto",
  notice: "CUDA is not available (libcudart.so.12 missing); running on CPU",
  seconds: 1.6,
  itemsPerSecond: 50,
  temperature: null,
};

const progress = (done: number, run = 7): RunProgress => ({
  run,
  done,
  failed: 1,
  total: 80,
  itemsPerSecond: 40,
  etaSeconds: (80 - done) / 40,
  provider: "CPUExecutionProvider",
});

function Harness({ onFinished = () => {} }: { onFinished?: (info: RunInfo) => void }) {
  const runner = useRunner({ onFinished, onSettled: () => {}, onFailed: () => {}, onError: () => {} });
  return (
    <RunDialog
      runner={runner}
      models={MODELS}
      datasets={DATASETS}
      initialModel={null}
      initialDataset="digits@1"
      onClose={() => {}}
      onAddModel={() => {}}
    />
  );
}

beforeEach(() => {
  startRun.mockReset();
  cancelRun.mockReset().mockResolvedValue(true);
  listRuns.mockReset().mockResolvedValue([]);
  runFailures.mockReset();
});
afterEach(cleanup);

describe("RunDialog", () => {
  it("starts with the grid's dataset, batch 64 and device auto; shows progress, then the summary and notice", async () => {
    const d = deferred<RunInfo>();
    let send: ((p: RunProgress) => void) | undefined;
    startRun.mockImplementation((_req: unknown, cb: (p: RunProgress) => void) => {
      send = cb;
      return d.promise;
    });
    const onFinished = vi.fn();
    render(<Harness onFinished={onFinished} />);
    expect((screen.getByTestId("run-dataset") as HTMLSelectElement).value).toBe("digits@1");
    expect((screen.getByTestId("run-model") as HTMLSelectElement).value).toBe("digits-cnn@1");

    fireEvent.click(screen.getByTestId("run-start"));
    expect(startRun.mock.calls[0]![0]).toEqual({
      model: "digits-cnn@1",
      dataset: "digits@1",
      batchSize: 64,
      device: "auto",
      resume: null,
      decode: null,
      cudaDevice: null,
      gpuMemLimit: null,
      cudnnConvSearch: null,
    });
    // before the first progress message: the version's item count, no provider yet
    expect(screen.getByTestId("run-progress").dataset.total).toBe("80");
    expect(screen.getByTestId("run-provider").textContent).toBe("…");

    act(() => send!(progress(40)));
    const bar = screen.getByTestId("run-progress");
    expect(bar.dataset.done).toBe("40");
    expect(bar.dataset.total).toBe("80");
    expect(bar.textContent).toContain("50%");
    expect(bar.textContent).toContain("40 items/s");
    expect(bar.textContent).toContain("1 failed");
    expect(screen.getByTestId("run-provider").textContent).toBe("CPUExecutionProvider");
    expect((screen.getByTestId("run-batch") as HTMLInputElement).disabled).toBe(true);

    await act(async () => d.resolve(INFO));
    expect(screen.queryByTestId("run-progress")).toBeNull();
    const summary = screen.getByTestId("run-summary");
    expect(summary.textContent).toContain("Run 7 finished");
    expect(summary.textContent).toContain("80");
    expect(summary.textContent).toContain("1.6 s");
    expect(summary.textContent).toContain("50 items/s");
    expect(screen.getByTestId("run-notice").textContent).toContain("CUDA is not available");
    expect(onFinished).toHaveBeenCalledWith(INFO);
  });

  it("cancels and resumes the same run", async () => {
    const d = deferred<RunInfo>();
    let send: ((p: RunProgress) => void) | undefined;
    startRun.mockImplementation((_req: unknown, cb: (p: RunProgress) => void) => {
      send = cb;
      return d.promise;
    });
    render(<Harness />);
    fireEvent.click(screen.getByTestId("run-start"));
    act(() => send!(progress(30, 11)));
    fireEvent.click(screen.getByTestId("run-cancel"));
    expect(cancelRun).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("run-cancel").textContent).toBe("Cancelling…");

    await act(async () => d.reject({ code: "cancelled", message: "cancelled; nothing was written" }));
    expect(screen.getByTestId("run-cancelled").textContent).toContain("Run 11 was cancelled after 30 of 80 items");

    startRun.mockResolvedValue({ ...INFO, run: 11 });
    await act(async () => {
      fireEvent.click(screen.getByTestId("run-resume"));
    });
    expect(startRun.mock.calls[1]![0]).toMatchObject({ model: "digits-cnn@1", dataset: "digits@1", resume: 11 });
    expect(screen.getByTestId("run-summary").textContent).toContain("Run 11 finished");
  });

  it("finds the run to resume when it was cancelled before any progress", async () => {
    startRun.mockRejectedValue({ code: "cancelled", message: "cancelled" });
    listRuns.mockResolvedValue([{ ...INFO, run: 12, status: "cancelled" }]);
    render(<Harness />);
    await act(async () => {
      fireEvent.click(screen.getByTestId("run-start"));
    });
    expect(screen.getByTestId("run-resume").textContent).toBe("Resume run 12");
  });

  it("shows a failure verbatim and lets the user try again", async () => {
    const message = "CUDA was requested but cannot be used: no device. Install onnxruntime-gpu, or use --device cpu";
    startRun.mockRejectedValue({ code: "runtime", message });
    render(<Harness />);
    fireEvent.change(screen.getByTestId("run-device"), { target: { value: "cuda" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("run-start"));
    });
    expect(startRun.mock.calls[0]![0]).toMatchObject({ device: "cuda" });
    expect(screen.getByTestId("run-error").textContent).toBe(message);
    expect((screen.getByTestId("run-device") as HTMLSelectElement).disabled).toBe(false);
    expect(screen.getByTestId("run-start").textContent).toBe("Try again");
  });

  it("shows the GPU settings unless the run is on CPU, checks them, and remembers them for the model on this computer", async () => {
    localStorage.clear();
    startRun.mockReturnValue(new Promise(() => {}));
    render(<Harness />);
    expect(screen.getByTestId("run-cuda")).toBeTruthy();
    fireEvent.change(screen.getByTestId("run-device"), { target: { value: "cpu" } });
    expect(screen.queryByTestId("run-cuda")).toBeNull();
    fireEvent.change(screen.getByTestId("run-device"), { target: { value: "cuda" } });
    fireEvent.change(screen.getByTestId("run-gpu-mem"), { target: { value: "4XB" } });
    fireEvent.click(screen.getByTestId("run-start"));
    expect(startRun).not.toHaveBeenCalled();
    expect(screen.getByText("A size such as 4GiB, 512MiB or bytes")).toBeTruthy();
    fireEvent.change(screen.getByTestId("run-gpu-mem"), { target: { value: "4GiB" } });
    fireEvent.change(screen.getByTestId("run-cuda-device"), { target: { value: "1" } });
    fireEvent.change(screen.getByTestId("run-conv-search"), { target: { value: "heuristic" } });
    await act(async () => {
      fireEvent.click(screen.getByTestId("run-start"));
    });
    expect(startRun.mock.calls[0]![0]).toMatchObject({ device: "cuda", cudaDevice: 1, gpuMemLimit: "4GiB", cudnnConvSearch: "heuristic" });
    cleanup();
    // The next run of the same model starts from them.
    render(<Harness />);
    expect((screen.getByTestId("run-cuda-device") as HTMLInputElement).value).toBe("1");
    expect((screen.getByTestId("run-gpu-mem") as HTMLInputElement).value).toBe("4GiB");
    expect((screen.getByTestId("run-conv-search") as HTMLSelectElement).value).toBe("heuristic");
    localStorage.clear();
  });

  it("validates the batch size before starting", () => {
    render(<Harness />);
    fireEvent.change(screen.getByTestId("run-batch"), { target: { value: "0" } });
    fireEvent.click(screen.getByTestId("run-start"));
    expect(startRun).not.toHaveBeenCalled();
    expect(screen.getByText("A whole number, 1–65,536")).toBeTruthy();
  });

  it("says how many items failed and lists them with why, on request", async () => {
    startRun.mockResolvedValue(INFO);
    runFailures.mockResolvedValue({
      run: 7,
      total: 2,
      items: [
        { itemId: "digit_0042", error: "cannot decode images/42.png: truncated" },
        { itemId: "digit_0077", error: "non-finite output (NaN)" },
      ],
    });
    render(<Harness />);
    await act(async () => {
      fireEvent.click(screen.getByTestId("run-start"));
    });
    const failures = screen.getByTestId("run-failures") as HTMLDetailsElement;
    expect(failures.textContent).toContain("2 items failed");
    expect(runFailures).not.toHaveBeenCalled();
    await act(async () => {
      failures.open = true;
      fireEvent(failures, new Event("toggle"));
    });
    expect(runFailures).toHaveBeenCalledWith(7, 200);
    const rows = screen.getAllByTestId("run-failure");
    expect(rows.map((r) => r.dataset.itemId)).toEqual(["digit_0042", "digit_0077"]);
    expect(rows[0]!.textContent).toContain("cannot decode images/42.png: truncated");
    expect(screen.queryByTestId("run-failures-more")).toBeNull();
  });

  it("shows no failure list for a run without failures", async () => {
    startRun.mockResolvedValue({ ...INFO, failed: 0 });
    render(<Harness />);
    await act(async () => {
      fireEvent.click(screen.getByTestId("run-start"));
    });
    expect(screen.getByTestId("run-summary")).toBeTruthy();
    expect(screen.queryByTestId("run-failures")).toBeNull();
  });
});

