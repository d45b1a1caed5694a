import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ItemQuery } from "../bindings/ItemQuery";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { RunInfo } from "../bindings/RunInfo";
import type { LiveUpdate } from "../lib/liveUpdates";

const listItems = vi.fn();
const editLabel = vi.fn();
const sharedFolder = vi.fn();
const syncFolder = vi.fn();
const currentProject = vi.fn();
const liveListeners = new Set<(u: LiveUpdate) => void>();

vi.mock("../ipc", () => ({
  listModels: async () => [],
  getGuidelines: async () => ({ schemaVersion: 1, labels: [], retiredReasons: [] }),
  listRuns: async () => [RUN],
  listDatasets: async () => [
    {
      id: 1,
      name: "digits",
      source: "/d",
      versions: [{ id: 11, version: 1, contentHash: "h", items: 3, labeled: 3, createdAt: "2026-01-01T00:00:00Z", featureNames: [] }],
    },
  ],
  labelCounts: async () => [{ label: "8", count: 3 }],
  listAnnotators: async () => [
    { name: "ana", role: "annotator" },
    { name: "rev", role: "reviewer" },
    { name: "lea", role: "lead" },
  ],
  editLabel: (...a: unknown[]) => editLabel(...a),
  listItems: (q: ItemQuery) => listItems(q),
  thumbUrl: (rowid: number) => `thumb://${rowid}`,
  sharedFolder: () => sharedFolder(),
  syncFolder: (dir: string) => syncFolder(dir),
  currentProject: () => currentProject(),
  onLiveUpdates: (listener: (u: LiveUpdate) => void) => {
    liveListeners.add(listener);
    return () => liveListeners.delete(listener);
  },
}));

const { ProjectScreen, SEARCH_DEBOUNCE_MS } = await import("./ProjectScreen");
const { ErrorProvider } = await import("../components/ErrorBanner");
const { SessionContext } = await import("../session");

const RUN: RunInfo = {
  run: 5,
  model: "m@1",
  dataset: "digits@1",
  versionId: 11,
  status: "done",
  items: 3,
  failed: 0,
  provider: "CPU",
  requestedDevice: "auto",
  notice: null,
  seconds: 1,
  itemsPerSecond: 3,
  temperature: null,
};

const PROJECT: ProjectInfo = {
  path: "/p",
  name: "p",
  datasets: 1,
  items: 3,
  labels: [{ name: "8", hotkey: "8", color: "#f00", guideline: null, position: 0 }],
};

beforeAll(() => {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});
beforeEach(() => {
  localStorage.clear();
  listItems.mockReset();
  listItems.mockImplementation(async (q: ItemQuery) => ({ total: q.review === "conflict" ? 0 : 3, offset: q.offset, items: [] }));
  sharedFolder.mockReset();
  sharedFolder.mockResolvedValue({ dir: null, onOpen: false, everyMinutes: 0 });
  syncFolder.mockReset();
  currentProject.mockReset();
  currentProject.mockResolvedValue(PROJECT);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

async function flush() {
  await act(async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  });
}

async function mount(onProjectChanged = vi.fn()) {
  render(
    <ErrorProvider>
      <ProjectScreen project={PROJECT} onClose={() => {}} onProjectChanged={onProjectChanged} />
    </ErrorProvider>,
  );
  await flush();
  await flush();
}

const lastQuery = () => listItems.mock.calls.at(-1)![0] as ItemQuery;
const pick = async (testId: string, value: string) => {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
  await flush();
};

describe("ProjectScreen's grid filters", () => {
  it("filters by review status and annotator, and by prediction ≠ label once a run is shown", async () => {
    await mount();
    expect(lastQuery()).toMatchObject({ versionId: 11, label: null, run: null });
    expect(lastQuery().review).toBeUndefined();
    const options = [...(screen.getByTestId("status-filter") as HTMLSelectElement).options].map((o) => o.value);
    expect(options).toEqual(["", "decided", "conflict", "waiting", "flagged", "unannotated"]);

    await pick("status-filter", "decided");
    expect(lastQuery()).toMatchObject({ review: "decided" });
    expect([...(screen.getByTestId("annotator-filter") as HTMLSelectElement).options].map((o) => o.value)).toEqual(["", "ana", "rev", "lea"]);
    await pick("annotator-filter", "ana");
    expect(lastQuery()).toMatchObject({ review: "decided", annotator: "ana" });

    // The mismatch filter is a real checkbox, offered with a run's predictions.
    expect(screen.queryByTestId("mismatch-filter")).toBeNull();
    await pick("run-select", "5");
    fireEvent.click(screen.getByTestId("mismatch-filter"));
    await flush();
    expect(lastQuery()).toMatchObject({ run: 5, mismatch: true, review: "decided", annotator: "ana" });
    // Without a run it goes.
    await pick("run-select", "");
    expect(screen.queryByTestId("mismatch-filter")).toBeNull();
    expect(lastQuery().mismatch).toBeUndefined();

    // Nothing matches: the empty grid says so and offers to clear.
    await pick("status-filter", "conflict");
    expect(screen.getByTestId("grid-empty").textContent).toContain("No items match these filters.");
    fireEvent.click(screen.getByTestId("clear-filters"));
    await flush();
    expect(lastQuery().review).toBeUndefined();
    expect(lastQuery().annotator).toBeUndefined();
    expect(screen.queryByTestId("clear-filters")).toBeNull();
  });

  it("searches ids once typing pauses", async () => {
    await mount();
    vi.useFakeTimers();
    const calls = listItems.mock.calls.length;
    fireEvent.change(screen.getByTestId("grid-search"), { target: { value: "00" } });
    fireEvent.change(screen.getByTestId("grid-search"), { target: { value: "0042" } });
    await act(async () => {
      vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS);
    });
    await flush();
    const searched = listItems.mock.calls.slice(calls).map((c) => (c[0] as ItemQuery).search);
    expect(searched).toEqual(["0042"]);
  });

  it("opens the labels editor and hands the edited labels to the app", async () => {
    const now = [{ ...PROJECT.labels[0]!, hotkey: "e" }];
    editLabel.mockResolvedValue(now);
    localStorage.setItem("arbiter.annotator:/p", JSON.stringify("lea"));
    const changed = vi.fn();
    await mount(changed);
    expect(screen.getByTestId("label-legend").textContent).toContain("8");
    fireEvent.click(screen.getByTestId("labels-edit"));
    await flush();
    const hotkey = document.querySelector('[data-testid="label-row"][data-label="8"] [data-testid="label-hotkey"]') as HTMLInputElement;
    fireEvent.change(hotkey, { target: { value: "e" } });
    fireEvent.click(document.querySelector('[data-testid="label-row"][data-label="8"] [data-testid="label-save"]')!);
    await flush();
    expect(editLabel).toHaveBeenCalledWith({ name: "8", hotkey: "e", color: null, guideline: null }, "lea");
    expect(changed).toHaveBeenCalledWith({ ...PROJECT, labels: now });
  });
});

describe("ProjectScreen and the shared folder", () => {
  const pack = { file: "/s/b/000001.pack", sourceReplica: "b", eventsAdded: 2, eventsKnown: 0, annotatorsAdded: 1, queuesAdded: 0, runsAdded: 0, settingsAdded: 0, conflictsBefore: 0, conflictsAfter: 1, pending: 0, renamedQueues: [], dryRun: false };

  it("syncs when the project opens, and reads the grid and the project again when events came in", async () => {
    sharedFolder.mockResolvedValue({ dir: "/s", onOpen: true, everyMinutes: 0 });
    // The sync answers once the grid has been read (a shared folder takes its time).
    let answer: (v: unknown) => void = () => {};
    syncFolder.mockReturnValue(new Promise((r) => (answer = r)));
    const changed = vi.fn();
    await mount(changed);
    expect(syncFolder).toHaveBeenCalledWith("/s");
    const firstPage = () => listItems.mock.calls.filter((c) => (c[0] as ItemQuery).offset === 0).length;
    const before = firstPage();
    expect(before).toBeGreaterThanOrEqual(1);
    expect(currentProject).not.toHaveBeenCalled();
    await act(async () => answer({ dir: "/s", imported: [pack], refused: [], written: null, writtenEvents: 0 }));
    await flush();
    // The grid's first page is read again, and the project (its labels).
    expect(firstPage()).toBeGreaterThan(before);
    expect(currentProject).toHaveBeenCalled();
    expect(changed).toHaveBeenCalledWith(PROJECT);
  });

  it("does not sync on open when the setting says not to, nor re-read after a sync that brought nothing", async () => {
    sharedFolder.mockResolvedValue({ dir: "/s", onOpen: false, everyMinutes: 0 });
    await mount();
    expect(syncFolder).not.toHaveBeenCalled();
    cleanup();
    sharedFolder.mockResolvedValue({ dir: "/s", onOpen: true, everyMinutes: 0 });
    syncFolder.mockResolvedValue({ dir: "/s", imported: [{ ...pack, eventsAdded: 0 }], refused: [], written: null, writtenEvents: 0 });
    await mount();
    await flush();
    expect(syncFolder).toHaveBeenCalledTimes(1);
    expect(currentProject).not.toHaveBeenCalled();
  });

  it("marks the Team button when the sync on open failed", async () => {
    sharedFolder.mockResolvedValue({ dir: "/gone", onOpen: true, everyMinutes: 0 });
    syncFolder.mockRejectedValue({ code: "invalid_input", message: "/gone: no such folder; create the shared folder first" });
    await mount();
    await flush();
    expect(screen.getByTestId("team-button").textContent).toBe("Team ⚠");
  });

  it("syncs on the timer the setting asks for", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    sharedFolder.mockResolvedValue({ dir: "/s", onOpen: false, everyMinutes: 5 });
    syncFolder.mockResolvedValue({ dir: "/s", imported: [], refused: [], written: null, writtenEvents: 0 });
    await mount();
    expect(syncFolder).not.toHaveBeenCalled();
    await act(async () => {
      vi.advanceTimersByTime(5 * 60_000);
    });
    await flush();
    expect(syncFolder).toHaveBeenCalledTimes(1);
    await act(async () => {
      vi.advanceTimersByTime(5 * 60_000);
    });
    await flush();
    expect(syncFolder).toHaveBeenCalledTimes(2);
  });
});

describe("ProjectScreen in a browser on arbiter serve", () => {
  const signOut = vi.fn();
  async function mountHttp() {
    sharedFolder.mockResolvedValue({ dir: "/shared", onOpen: true, everyMinutes: 5 });
    render(
      <ErrorProvider>
        <SessionContext.Provider value={{ transport: "http", annotator: "lea", role: "lead", signOut }}>
          <ProjectScreen project={PROJECT} onClose={() => {}} onProjectChanged={() => {}} />
        </SessionContext.Provider>
      </ErrorProvider>,
    );
    await flush();
    await flush();
  }

  it("explains, instead of acting, what only the desktop app does", async () => {
    await mountHttp();
    for (const id of ["import-button", "add-model-button", "run-button", "export-button", "team-button"]) {
      const button = screen.getByTestId(id);
      expect(button.dataset.desktopOnly, id).toBe("true");
      fireEvent.click(button);
      expect(screen.getByTestId("desktop-only-note").textContent, id).toContain("Desktop app only");
      fireEvent.blur(button);
      expect(screen.queryByTestId("desktop-only-note"), id).toBeNull();
    }
    // Nothing opened: no import or run dialog, no export or team screen.
    expect(screen.queryByTestId("import-dialog")).toBeNull();
    expect(screen.queryByTestId("run-dialog")).toBeNull();
    expect(screen.queryByTestId("export-screen")).toBeNull();
    expect(screen.queryByTestId("team-screen")).toBeNull();
    // What a browser can do stays as it is.
    expect(screen.getByTestId("review-button").dataset.desktopOnly).toBeUndefined();
    expect(screen.getByTestId("dashboard-button").dataset.desktopOnly).toBeUndefined();
  });

  it("reads the project again when someone else's change arrives live, not for one's own", async () => {
    currentProject.mockReset();
    currentProject.mockResolvedValue(PROJECT);
    await mountHttp();
    // The screen's refresher and the running jobs beside the session badge.
    expect(liveListeners.size).toBe(2);
    const send = (u: LiveUpdate) => act(() => liveListeners.forEach((l) => l(u)));
    await send({ type: "changed", by: "lea", what: "annotate" });
    await send({ type: "presence", people: [] });
    expect(currentProject).not.toHaveBeenCalled();
    await send({ type: "changed", by: "ana", what: "annotations" });
    await flush();
    expect(currentProject).toHaveBeenCalledTimes(1);
    cleanup();
    expect(liveListeners.size).toBe(0);
  });

  it("shows who is signed in with Sign out instead of Close project, and leaves the server's shared folder alone", async () => {
    await mountHttp();
    expect(screen.queryByText("Close project")).toBeNull();
    expect(screen.getByTestId("session-badge").textContent).toContain("lea");
    fireEvent.click(screen.getByTestId("sign-out"));
    expect(signOut).toHaveBeenCalledTimes(1);
    expect(sharedFolder).not.toHaveBeenCalled();
    expect(syncFolder).not.toHaveBeenCalled();
  });

  it("keeps every button in the desktop app", async () => {
    await mount();
    for (const id of ["import-button", "add-model-button", "run-button", "export-button", "team-button"]) {
      expect(screen.getByTestId(id).dataset.desktopOnly, id).toBeUndefined();
    }
    expect(screen.getByText("Close project")).toBeTruthy();
    expect(screen.queryByTestId("session-badge")).toBeNull();
  });
});

