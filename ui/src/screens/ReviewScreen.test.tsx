import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AnnotateRequest } from "../bindings/AnnotateRequest";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { QueueDto } from "../bindings/QueueDto";
import type { ReviewItem } from "../bindings/ReviewItem";

const nextItems = vi.fn();
const annotate = vi.fn();
const undo = vi.fn();
const queueProgress = vi.fn();
const ANNOTATORS = [
  { name: "ana", role: "annotator" },
  { name: "rev", role: "reviewer" },
];
/** How the annotators and queues are read; a test may hold them back. */
const reads = {
  guidelines: async () => ({ schemaVersion: 3, labels: [], retiredReasons: [] }) as unknown,
  annotators: async () => ANNOTATORS,
  queues: async () => [QUEUE, { ...QUEUE, id: 5, name: "other" }],
};
vi.mock("../ipc", () => ({
  listAnnotators: () => reads.annotators(),
  listReasons: async () => [
    { code: "model_wrong", description: "The model's prediction is wrong" },
    { code: "ambiguous", description: "Ambiguous" },
  ],
  listQueues: () => reads.queues(),
  getGuidelines: () => reads.guidelines(),
  queueProgress: (...a: unknown[]) => queueProgress(...a),
  releaseQueue: async () => undefined,
  nextItems: (...a: unknown[]) => nextItems(...a),
  annotate: (...a: unknown[]) => annotate(...a),
  undo: (...a: unknown[]) => undo(...a),
  mediaUrl: (rowid: number) => `media://${rowid}`,
  thumbUrl: (rowid: number) => `thumb://${rowid}`,
}));

const { ReviewScreen } = await import("./ReviewScreen");
const { ErrorProvider } = await import("../components/ErrorBanner");
const { SessionContext } = await import("../session");

const QUEUE: QueueDto = {
  id: 4,
  name: "q",
  run: 9,
  strategy: "least-confidence",
  threshold: null,
  overlapShare: 0,
  overlapK: 1,
  blind: false,
  createdAt: "",
  counts: { total: 10, done: 0, partial: 0, claimed: 0, untouched: 10, skipped: 0, flagged: 0 },
  assignees: [],
  gold: { rate: 0, warmup: 0, qualification: null },
  temperature: null,
};

const PROJECT: ProjectInfo = {
  path: "/p",
  name: "p",
  datasets: 1,
  items: 10,
  labels: [
    { name: "cat", hotkey: "1", color: "#f00", guideline: null, position: 0 },
    { name: "dog", hotkey: "2", color: "#00f", guideline: null, position: 1 },
  ],
};

const item = (rowid: number): ReviewItem => ({
  rowid,
  itemId: `item_${rowid}`,
  position: rowid,
  score: 0.4,
  needed: 1,
  given: "cat",
  prediction: { run: 9, predicted: "dog", confidence: 0.6, top: [["dog", 0.6], ["cat", 0.4]], error: null },
  others: [],
  blind: false,
  leaseUntil: 0,
  sentBack: null,
  text: null,
});

const progressOf = (over: Record<string, unknown>) => ({
  counts: QUEUE.counts,
  lastHour: 0,
  labeled: 0,
  mine: 0,
  mySkipped: 0,
  myFlagged: 0,
  paceSeconds: 0,
  ...over,
});

/** A backend handing out items 1..n in order, claims first. */
function backend(n: number) {
  const done = new Set<number>();
  nextItems.mockImplementation(async (_q: number, _a: string, k: number) => {
    const out: ReviewItem[] = [];
    for (let r = 1; r <= n && out.length < k; r++) if (!done.has(r)) out.push(item(r));
    return out;
  });
  annotate.mockImplementation(async (req: AnnotateRequest) => {
    done.add(req.rowid);
    return { annotation: req.rowid * 10, decision: { status: "decided", votes: [] } };
  });
  undo.mockImplementation(async () => null);
  return done;
}

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

beforeEach(() => {
  localStorage.clear();
  localStorage.setItem("arbiter.annotator:/p", JSON.stringify("ana"));
  localStorage.setItem("arbiter.queue:/p", "4");
  nextItems.mockReset();
  annotate.mockReset();
  undo.mockReset();
  queueProgress.mockReset();
  queueProgress.mockImplementation(async () => progressOf({}));
});
afterEach(cleanup);

async function open() {
  render(
    <ErrorProvider>
      <ReviewScreen project={PROJECT} onExit={() => {}} onOpenConflicts={() => {}} />
    </ErrorProvider>,
  );
  await screen.findByText("item_1", { selector: "[data-testid=review-item-id]" });
}

const shownId = () => screen.getByTestId("review-item-id").textContent;
const key = (k: string, init: KeyboardEventInit = {}, target: Element | Window = window) =>
  act(() => {
    fireEvent.keyDown(target, { key: k, ...init });
  });

describe("ReviewScreen", () => {
  it("shows the next item at once on a hotkey and records a manual label in the background", async () => {
    backend(5);
    await open();
    expect(nextItems).toHaveBeenCalledWith(4, "ana", 3);
    // The two next images are already mounted (hidden) for the instant switch.
    expect(document.querySelectorAll('img[data-prefetched="true"]').length).toBe(2);
    await key("2");
    expect(shownId()).toBe("item_2");
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    const req = annotate.mock.calls[0]![0] as AnnotateRequest;
    expect(req).toMatchObject({ rowid: 1, annotator: "ana", kind: "label", label: "dog", source: "manual", predictionShown: true, queue: 4, run: 9 });
    expect(typeof req.seconds).toBe("number");
  });

  it("shows the reviewer's note on an item sent back to the annotator, and none on the others", async () => {
    backend(3);
    const plain = nextItems.getMockImplementation()!;
    nextItems.mockImplementation(async (...args: [number, string, number]) => {
      const out = (await plain(...args)) as ReviewItem[];
      return out.map((it) =>
        it.rowid === 1 ? { ...it, sentBack: { rowid: 1, itemId: it.itemId, by: "rev", note: "check the ears", at: "2026-01-01T00:00:00Z" } } : it,
      );
    });
    await open();
    const note = screen.getByTestId("review-sent-back");
    expect(note.textContent).toContain("Sent back by rev");
    expect(note.textContent).toContain("check the ears");
    key("1");
    await screen.findByText("item_2", { selector: "[data-testid=review-item-id]" });
    expect(screen.queryByTestId("review-sent-back")).toBeNull();
  });

  it("shows the labels' guidelines with their examples as thumbnails", async () => {
    backend(2);
    const plain = reads.guidelines;
    reads.guidelines = async () => ({
      schemaVersion: 7,
      retiredReasons: [],
      labels: [
        { name: "cat", guideline: "Pointed ears, whiskers", examples: [{ itemId: "item_9", rowid: 9 }, { itemId: "gone", rowid: null }] },
        { name: "dog", guideline: null, examples: [] },
      ],
    });
    try {
      await open();
      const g = await screen.findByTestId("review-guidelines");
      expect(g.dataset.schemaVersion).toBe("7");
      expect(g.textContent).toContain("Pointed ears, whiskers");
      expect(g.querySelector('[data-label="dog"]')).toBeNull();
      const img = g.querySelector("img")!;
      expect(img.getAttribute("src")).toBe("thumb://9");
      expect(img.getAttribute("alt")).toBe("cat example item_9");
      expect(g.textContent).toContain("gone");
    } finally {
      reads.guidelines = plain;
    }
  });

  it("shows neither 'Who is labeling?' nor 'Choose a queue' while a remembered choice is still being read", async () => {
    backend(3);
    const held = { annotators: reads.annotators, queues: reads.queues };
    let answerAnnotators = () => {};
    let answerQueues = () => {};
    reads.annotators = () => new Promise((res) => (answerAnnotators = () => res(ANNOTATORS)));
    reads.queues = () => new Promise((res) => (answerQueues = () => res([QUEUE])));
    try {
      render(
        <ErrorProvider>
          <ReviewScreen project={PROJECT} onExit={() => {}} onOpenConflicts={() => {}} />
        </ErrorProvider>,
      );
      await screen.findByTestId("review-loading");
      expect(screen.queryByTestId("review-choose-annotator")).toBeNull();
      await act(async () => answerAnnotators());
      expect(screen.queryByTestId("review-choose-annotator")).toBeNull();
      expect(screen.queryByTestId("review-choose-queue")).toBeNull();
      expect(screen.getByTestId("review-loading")).toBeTruthy();
      await act(async () => answerQueues());
      await screen.findByText("item_1", { selector: "[data-testid=review-item-id]" });
    } finally {
      Object.assign(reads, held);
    }
  });

  it("counts the open queue live in the queue picker, not as first listed", async () => {
    backend(5);
    queueProgress.mockImplementation(async () => progressOf({ counts: { ...QUEUE.counts, done: 3, untouched: 7 }, lastHour: 3, labeled: 3, mine: 3 }));
    await open();
    const option = () => screen.getByTestId("queue-select").querySelector('option[value="4"]')!.textContent;
    await waitFor(() => expect(option()).toBe("q (3 / 10)"));
  });

  it("records Enter as accepting the prediction, S as a skip, F as one flag event", async () => {
    backend(5);
    await open();
    await key("Enter");
    await key("s");
    await key("F", { shiftKey: true });
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(3));
    const reqs = annotate.mock.calls.map((c) => c[0] as AnnotateRequest);
    expect(reqs.map((r) => [r.rowid, r.kind, r.label, r.flag, r.source])).toEqual([
      [1, "label", "dog", null, "accepted_prediction"],
      [2, "skip", null, null, "manual"],
      [3, "flag", null, "bad_input", "manual"],
    ]);
    expect(shownId()).toBe("item_4");
  });

  it("ignores hotkeys while typing in the note; Escape returns with the text kept and sent", async () => {
    backend(5);
    await open();
    const note = screen.getByTestId("note-input") as HTMLInputElement;
    await key("n");
    expect(document.activeElement).toBe(note);
    fireEvent.change(note, { target: { value: "blurry" } });
    await key("1", {}, note);
    await key("Enter", {}, note);
    expect(annotate).not.toHaveBeenCalled();
    expect(shownId()).toBe("item_1");
    note.focus();
    await key("Escape", {}, note);
    expect(document.activeElement).toBe(screen.getByTestId("review-screen"));
    expect(note.value).toBe("blurry");
    await key("1");
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    expect((annotate.mock.calls[0]![0] as AnnotateRequest).note).toBe("blurry");
    expect((screen.getByTestId("note-input") as HTMLInputElement).value).toBe("");
  });

  it("puts the item back and shows the error banner when the save fails", async () => {
    backend(5);
    let fail!: (e: unknown) => void;
    annotate.mockImplementationOnce(() => new Promise((_, reject) => (fail = reject)));
    await open();
    await key("1");
    expect(shownId()).toBe("item_2");
    await act(async () => fail({ code: "io", message: "database is locked" }));
    await waitFor(() => expect(shownId()).toBe("item_1"));
    expect(screen.getByTestId("error-banner").textContent).toContain("database is locked");
  });

  it("brings the undone item back first with Ctrl+Z", async () => {
    backend(5);
    undo.mockImplementation(async () => 10);
    await open();
    await key("1");
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    await key("z", { ctrlKey: true });
    expect(shownId()).toBe("item_1");
    await waitFor(() => expect(undo).toHaveBeenCalledWith("ana", 4));
  });

  it("keeps override to reviewers, and asks a reviewer for the reason", async () => {
    backend(5);
    await open();
    await key("o");
    expect(screen.getByTestId("review-notice").textContent).toContain("reviewers and leads");
    expect(screen.queryByTestId("override-mode")).toBeNull();
    cleanup();

    localStorage.setItem("arbiter.annotator:/p", JSON.stringify("rev"));
    await open();
    await key("o");
    expect(screen.getByTestId("override-mode")).toBeTruthy();
    await key("1");
    const prompt = screen.getByTestId("override-reason-prompt");
    expect(annotate).not.toHaveBeenCalled();
    await key("2", {}, prompt);
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    expect(annotate.mock.calls[0]![0]).toMatchObject({ label: "cat", source: "override", reason: "ambiguous", annotator: "rev" });
    expect(shownId()).toBe("item_2");
    expect(screen.queryByTestId("override-mode")).toBeNull();
  });

  it("keeps the header counter at the newest progress read when an older read answers last", async () => {
    backend(5);
    // Each progress read waits until the test answers it.
    const reads: ((mine: number) => void)[] = [];
    await open();
    queueProgress.mockImplementation(
      () =>
        new Promise((resolve) =>
          reads.push((mine) => resolve({ counts: { ...QUEUE.counts, done: mine, untouched: 10 - mine }, lastHour: mine, labeled: mine, mine })),
        ),
    );
    const header = () => screen.getByTestId("review-progress");
    await waitFor(() => expect(header().getAttribute("data-mine")).toBe("0"));
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const flush = () => act(() => vi.advanceTimersByTimeAsync(1000));
      // Label one item: its save commits, then the header reads the progress (read 1, slow).
      await key("1");
      await flush();
      expect(annotate).toHaveBeenCalledTimes(1);
      expect(reads).toHaveLength(1);
      // Label another while read 1 is still out: read 2 goes out and answers first.
      await key("1");
      await flush();
      expect(annotate).toHaveBeenCalledTimes(2);
      expect(reads).toHaveLength(2);
      await act(async () => reads[1]!(2));
      expect(header().getAttribute("data-mine")).toBe("2");
      // Read 1 answers last, with what it saw before the second save: it must not win.
      await act(async () => reads[0]!(1));
      await flush();
      expect(header().getAttribute("data-mine")).toBe("2");
      expect(header().getAttribute("data-done")).toBe("2");
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not let the previous annotator's progress read overwrite the new annotator's", async () => {
    backend(5);
    let answerAna!: () => void;
    queueProgress.mockImplementation((_q: number, who: string) =>
      who === "ana"
        ? new Promise((resolve) => (answerAna = () => resolve({ counts: QUEUE.counts, lastHour: 0, labeled: 0, mine: 0 })))
        : Promise.resolve({ counts: { ...QUEUE.counts, done: 4, untouched: 6 }, lastHour: 4, labeled: 4, mine: 4 }),
    );
    await open();
    await waitFor(() => expect(queueProgress).toHaveBeenCalledWith(4, "ana"));
    fireEvent.change(screen.getByTestId("annotator-select"), { target: { value: "rev" } });
    const header = () => screen.getByTestId("review-progress");
    await waitFor(() => expect(header().getAttribute("data-mine")).toBe("4"));
    // ana's read, sent before the switch, answers now.
    await act(async () => answerAna());
    await act(async () => {});
    expect(header().getAttribute("data-mine")).toBe("4");
    expect(header().getAttribute("data-done")).toBe("4");
  });

  it("says so when the queue has nothing left", async () => {
    backend(1);
    await open();
    await key("1");
    const empty = await screen.findByTestId("review-empty");
    expect(empty.textContent).toContain("Nothing left for you in this queue");
    expect(screen.getByTestId("review-empty-counts").textContent).toContain("Done");
  });

  it("names the strategy and explains the score, the overlap and the loaded items in the item's head", async () => {
    backend(5);
    const base = nextItems.getMockImplementation()!;
    nextItems.mockImplementation(async (...a: unknown[]) => ((await base(...a)) as ReviewItem[]).map((i) => ({ ...i, needed: 2 })));
    await open();
    expect(screen.getByTestId("review-item-why").textContent).toBe("least confidence: top class 60.0%");
    expect(screen.getByTestId("review-item-why").title).toContain("score 0.400");
    const meta = [...screen.getByTestId("review-item-meta").children].map((e) => e.textContent);
    expect(meta).toEqual(["labels from 2 people", "next 2 loaded"]);
    expect(screen.getByTestId("review-panel").textContent).not.toMatch(/\bready\b|score 0\.4/);
  });

  it("keeps the queue picker's counts current after switching to another queue", async () => {
    const done = backend(5);
    queueProgress.mockImplementation(async (q: number) =>
      progressOf(q === 4 ? { counts: { ...QUEUE.counts, done: done.size, untouched: 10 - done.size }, mine: done.size } : {}),
    );
    await open();
    await key("1");
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    // Read again after the save (throttled), then the annotator moves to another queue.
    await waitFor(() => expect(queueProgress.mock.calls.filter((c) => c[0] === 4).length).toBeGreaterThanOrEqual(2), { timeout: 3000 });
    fireEvent.change(screen.getByTestId("queue-select"), { target: { value: "5" } });
    const option = () => screen.getByTestId("queue-select").querySelector('option[value="4"]')!.textContent;
    await waitFor(() => expect(option()).toBe("q (1 / 10)"), { timeout: 3000 });
  });

  it("shows no pace until it has a minute of data", async () => {
    backend(5);
    queueProgress.mockImplementation(async () => progressOf({ lastHour: 1, labeled: 1, mine: 1, paceSeconds: 0 }));
    await open();
    await waitFor(() => expect(queueProgress).toHaveBeenCalled());
    await act(async () => {
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(screen.getByTestId("review-progress").textContent).toContain("— items/h");
  });

  it("counts the annotator's own skips and flags on the end-of-queue card, not everyone's", async () => {
    backend(1);
    queueProgress.mockImplementation(async () =>
      progressOf({ counts: { ...QUEUE.counts, done: 1, skipped: 9, flagged: 7 }, mine: 1, mySkipped: 1, myFlagged: 0 }),
    );
    await open();
    await key("s");
    await screen.findByTestId("review-empty");
    const count = (k: string) => document.querySelector(`[data-count="${k}"] dd`)?.textContent;
    await waitFor(() => expect(count("my-skipped")).toBe("1"));
    expect(count("my-flagged")).toBe("0");
    expect(screen.getByTestId("review-empty-counts").textContent).not.toMatch(/9|7/);
  });

  it("shows an annotator no one else's labels: no box of votes, and a conflict notice without names", async () => {
    const done = backend(5);
    annotate.mockImplementation(async (req: AnnotateRequest) => ({
      annotation: (done.add(req.rowid), req.rowid * 10),
      decision: {
        status: "conflict",
        votes: [
          { annotation: 1, annotator: "ben", label: "cat", reason: null, note: null, source: "manual", createdAt: "" },
          { annotation: 2, annotator: req.annotator, label: "dog", reason: null, note: null, source: "manual", createdAt: "" },
        ],
      },
    }));
    await open();
    expect(screen.queryByTestId("review-others")).toBeNull();
    expect(screen.getByTestId("review-panel").textContent).not.toContain("Labels so far");
    await key("2");
    const notice = await screen.findByTestId("review-notice");
    expect(notice.textContent).toBe("item_1: your label differs from another annotator's — it goes to the reviewers.");
    cleanup();

    // A reviewer is told who said what.
    done.clear();
    localStorage.setItem("arbiter.annotator:/p", JSON.stringify("rev"));
    await open();
    await key("2");
    await waitFor(() => expect(screen.getByTestId("review-notice").textContent).toContain("ben said “cat”"));
  });
});

describe("ReviewScreen in a browser on arbiter serve", () => {
  it("labels as the signed-in person, whom the screen offers no way to change", async () => {
    backend(5);
    // Another name remembered on this computer (the desktop's choice) does not count over HTTP.
    localStorage.setItem("arbiter.annotator:/p", JSON.stringify("rev"));
    render(
      <ErrorProvider>
        <SessionContext.Provider value={{ transport: "http", annotator: "ana", role: "annotator", signOut: () => {} }}>
          <ReviewScreen project={PROJECT} onExit={() => {}} onOpenConflicts={() => {}} />
        </SessionContext.Provider>
      </ErrorProvider>,
    );
    await screen.findByText("item_1", { selector: "[data-testid=review-item-id]" });
    expect(nextItems).toHaveBeenCalledWith(4, "ana", 3);
    expect(nextItems).not.toHaveBeenCalledWith(4, "rev", expect.anything());
    expect(screen.queryByTestId("annotator-select")).toBeNull();
    expect(screen.queryByText("Add annotator…")).toBeNull();
    expect(screen.getByTestId("annotator-signed-in").dataset.annotator).toBe("ana");
    await key("1");
    await waitFor(() => expect(annotate).toHaveBeenCalledTimes(1));
    expect((annotate.mock.calls[0]![0] as AnnotateRequest).annotator).toBe("ana");
  });

  it("offers New queue… to a lead, and to nobody else (the server refuses them)", async () => {
    backend(2);
    for (const role of ["annotator", "reviewer", "lead"] as const) {
      render(
        <ErrorProvider>
          <SessionContext.Provider value={{ transport: "http", annotator: "ana", role, signOut: () => {} }}>
            <ReviewScreen project={PROJECT} onExit={() => {}} onOpenConflicts={() => {}} />
          </SessionContext.Provider>
        </ErrorProvider>,
      );
      await screen.findByText("item_1", { selector: "[data-testid=review-item-id]" });
      const select = screen.getByTestId("queue-select");
      expect(screen.queryByTestId("queue-new") !== null, role).toBe(role === "lead");
      expect(select.querySelector('option[value="__new__"]') !== null, role).toBe(role === "lead");
      cleanup();
    }
  });

  it("does not ask who is labeling when nothing is remembered", async () => {
    backend(2);
    localStorage.removeItem("arbiter.annotator:/p");
    render(
      <ErrorProvider>
        <SessionContext.Provider value={{ transport: "http", annotator: "rev", role: "reviewer", signOut: () => {} }}>
          <ReviewScreen project={PROJECT} onExit={() => {}} onOpenConflicts={() => {}} />
        </SessionContext.Provider>
      </ErrorProvider>,
    );
    await screen.findByText("item_1", { selector: "[data-testid=review-item-id]" });
    expect(screen.queryByTestId("review-choose-annotator")).toBeNull();
    expect(nextItems).toHaveBeenCalledWith(4, "rev", 3);
  });
});

