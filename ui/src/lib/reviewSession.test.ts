import { describe, expect, it, vi } from "vitest";
import type { AnnotateRequest } from "../bindings/AnnotateRequest";
import type { AnnotateResult } from "../bindings/AnnotateResult";
import type { ReviewItem } from "../bindings/ReviewItem";
import {
  advance,
  emptySession,
  mergeTopUp,
  putBack,
  requestFor,
  ReviewController,
  rollback,
  sessionPhase,
  SerialQueue,
  takeLast,
  type ActExtras,
  type Entry,
  type ReviewApi,
  type ReviewEvent,
  type SessionState,
} from "./reviewSession";

const item = (rowid: number, over: Partial<ReviewItem> = {}): ReviewItem => ({
  rowid,
  itemId: `it_${rowid}`,
  position: rowid,
  score: 0.5,
  needed: 1,
  given: "cat",
  prediction: null,
  others: [],
  blind: false,
  leaseUntil: 0,
  sentBack: null,
  text: null,
  ...over,
});

const EXTRAS: ActExtras = { draft: { reason: null, note: "" }, seconds: 1.5, predictionShown: true };
const TARGET = { queue: 7, run: 3, annotator: "ana" };

const entry = (id: number, item: ReviewItem): Entry => ({
  id,
  item,
  request: requestFor({ kind: "skip" }, item, EXTRAS, TARGET),
  draft: { reason: null, note: "" },
  at: 0,
});

const rowids = (s: SessionState) => s.buffer.map((i) => i.rowid);

describe("session state", () => {
  it("advances to the next item and remembers the entry as saving", () => {
    let s = mergeTopUp(emptySession(), [item(1), item(2), item(3)], 3);
    s = advance(s, entry(1, item(1)));
    expect(rowids(s)).toEqual([2, 3]);
    expect(s.entries.map((e) => e.item.rowid)).toEqual([1]);
    expect(s.saving).toEqual([1]);
    expect(() => advance(s, entry(2, item(9)))).toThrow();
  });

  it("puts the item back in front when its save fails", () => {
    let s = mergeTopUp(emptySession(), [item(1), item(2), item(3)], 3);
    s = advance(s, entry(1, item(1)));
    s = advance(s, entry(2, item(2)));
    s = rollback(s, 1);
    expect(rowids(s)).toEqual([1, 3]);
    expect(s.entries.map((e) => e.id)).toEqual([2]);
    expect(s.saving).toEqual([2]);
    expect(s.pinned).toEqual([1]);
  });

  it("undo brings the latest item back first; a failed undo takes it away again", () => {
    let s = mergeTopUp(emptySession(), [item(1), item(2), item(3)], 3);
    s = advance(s, entry(1, item(1)));
    s = advance(s, entry(2, item(2)));
    const taken = takeLast(s)!;
    expect(taken.entry.id).toBe(2);
    expect(rowids(taken.state)).toEqual([2, 3]);
    const again = takeLast(taken.state)!;
    expect(rowids(again.state)).toEqual([1, 2, 3]);
    const back = putBack(again.state, again.entry);
    expect(rowids(back)).toEqual([2, 3]);
    expect(back.entries.map((e) => e.id)).toEqual([1]);
    expect(takeLast(emptySession())).toBeNull();
  });

  it("merges a top-up: keeps the item on screen and put-back items, drops handled and duplicate ones", () => {
    let s = mergeTopUp(emptySession(), [item(1), item(2), item(3)], 3);
    s = advance(s, entry(1, item(1))); // [2, 3], 1 saving
    // The answer was computed before 1 committed and still lists it; 3 lost its claim.
    s = mergeTopUp(s, [item(1), item(2), item(4), item(5)], 3);
    expect(rowids(s)).toEqual([2, 4, 5]);
    expect(s.exhausted).toBe(false);
    // Undo: 1 is not claimed any more, but stays in front even if the answer omits it.
    s = takeLast(s)!.state;
    s = mergeTopUp(s, [item(2), item(4), item(5)], 3);
    expect(rowids(s)).toEqual([1, 2, 4, 5]);
    // Two undos in a row: the second put-back item stays right behind the first.
    s = advance(s, entry(2, item(1)));
    s = advance(s, entry(3, item(2)));
    s = takeLast(takeLast(s)!.state)!.state;
    expect(rowids(s)).toEqual([1, 2, 4, 5]);
    s = mergeTopUp(s, [item(4), item(5), item(6)], 3);
    expect(rowids(s)).toEqual([1, 2, 4, 5, 6]);
    // Acting on a put-back item un-pins it.
    s = advance(s, entry(4, item(1)));
    expect(s.pinned).toEqual([2]);
  });

  it("marks the queue exhausted when the answer is short, and says what to show", () => {
    expect(sessionPhase(emptySession())).toBe("loading");
    let s = mergeTopUp(emptySession(), [item(1)], 3);
    expect(s.exhausted).toBe(true);
    expect(sessionPhase(s)).toBe("item");
    s = advance(s, entry(1, item(1)));
    expect(sessionPhase(s)).toBe("saving");
    s = { ...s, saving: [] };
    expect(sessionPhase(s)).toBe("empty");
    expect(sessionPhase({ ...s, loadError: new Error("x") })).toBe("error");
    expect(sessionPhase({ ...s, loading: true })).toBe("loading");
  });
});

describe("requestFor", () => {
  it("builds a label event with the item's draft, time and whether the prediction was shown", () => {
    const r = requestFor(
      { kind: "label", label: "dog", source: "manual" },
      item(5),
      { draft: { reason: "model_wrong", note: "  tail visible " }, seconds: 2.25, predictionShown: true },
      TARGET,
    );
    expect(r).toEqual<AnnotateRequest>({
      rowid: 5,
      annotator: "ana",
      kind: "label",
      label: "dog",
      flag: null,
      reason: "model_wrong",
      note: "tail visible",
      seconds: 2.25,
      predictionShown: true,
      source: "manual",
      queue: 7,
      run: 3,
    });
  });

  it("records a flag as one event, with its reason and note", () => {
    const r = requestFor({ kind: "flag", flag: "bad_input" }, item(5), { ...EXTRAS, draft: { reason: "bad_input", note: "blank" } }, TARGET);
    expect([r.kind, r.flag, r.label, r.reason, r.note, r.seconds]).toEqual(["flag", "bad_input", null, "bad_input", "blank", 1.5]);
  });
});

// ---------------------------------------------------------------- controller

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A fake backend: a queue of items handed out in order, with claims like the real one. */
function fakeApi(total: number) {
  const labeled = new Set<number>();
  const claims = new Set<number>();
  const events: { id: number; rowid: number; kind: string; retracted: boolean }[] = [];
  let seq = 100;
  const failNext: { count: number } = { count: 0 };
  const api: ReviewApi = {
    nextItems: vi.fn(async (_q: number, _a: string, n: number) => {
      const out: ReviewItem[] = [];
      for (const r of [...claims].sort((a, b) => a - b)) if (out.length < n) out.push(item(r));
      for (let r = 1; r <= total && out.length < n; r++) {
        if (!labeled.has(r) && !claims.has(r)) {
          claims.add(r);
          out.push(item(r));
        }
      }
      return out;
    }),
    annotate: vi.fn(async (req: AnnotateRequest): Promise<AnnotateResult> => {
      if (failNext.count > 0) {
        failNext.count--;
        throw { code: "io", message: "disk full" };
      }
      const id = ++seq;
      events.push({ id, rowid: req.rowid, kind: req.kind, retracted: false });
      // Like the real backend: an item its annotator labeled, skipped or flagged is not handed back.
      labeled.add(req.rowid);
      claims.delete(req.rowid);
      return { annotation: id, decision: { itemId: "", rowid: req.rowid, status: "decided", label: req.label, rule: "unanimous", votes: [], deciders: [], decidedAt: null, votesNeeded: 1, posterior: null, probability: null } };
    }),
    undo: vi.fn(async () => {
      const last = [...events].reverse().find((e) => !e.retracted);
      if (!last) return null;
      last.retracted = true;
      if (!events.some((e) => e.rowid === last.rowid && !e.retracted)) labeled.delete(last.rowid);
      return last.id;
    }),
    releaseQueue: vi.fn(async () => {
      claims.clear();
    }),
  };
  return { api, events, failNext, claims };
}

function controller(api: ReviewApi, onEvent?: (e: ReviewEvent) => void) {
  return new ReviewController({ ...TARGET, api, prefetch: 2, onEvent, serial: new SerialQueue() });
}

describe("ReviewController", () => {
  it("keeps the current item plus two prefetched, and advances at once on an action", async () => {
    const { api } = fakeApi(10);
    const c = controller(api);
    c.start();
    await c.settled();
    expect(rowids(c.state)).toEqual([1, 2, 3]);
    expect(api.nextItems).toHaveBeenLastCalledWith(7, "ana", 3);

    c.act({ kind: "label", label: "cat", source: "manual" }, EXTRAS);
    // Synchronously: item 2 is on screen before anything was saved.
    expect(rowids(c.state)).toEqual([2, 3]);
    expect(c.state.saving).toHaveLength(1);
    await c.settled();
    expect(c.state.saving).toHaveLength(0);
    expect(rowids(c.state)).toEqual([2, 3, 4]);
    expect(api.annotate).toHaveBeenCalledTimes(1);
  });

  it("rolls back a failed save: the item is back in front and the error reported", async () => {
    const { api, failNext } = fakeApi(10);
    const events: ReviewEvent[] = [];
    const c = controller(api, (e) => events.push(e));
    c.start();
    await c.settled();
    failNext.count = 1;
    c.act({ kind: "label", label: "dog", source: "manual" }, { ...EXTRAS, draft: { reason: "other", note: "n" } });
    expect(rowids(c.state)[0]).toBe(2);
    await c.settled();
    expect(rowids(c.state)[0]).toBe(1);
    expect(c.state.entries).toHaveLength(0);
    const failed = events.find((e) => e.type === "saveFailed");
    expect(failed && failed.type === "saveFailed" && failed.entry.draft).toEqual({ reason: "other", note: "n" });
    // The next try goes through.
    c.act({ kind: "label", label: "dog", source: "manual" }, EXTRAS);
    await c.settled();
    expect(rowids(c.state)[0]).toBe(2);
  });

  it("does not hand a flagged item back, and a failed flag brings it back on screen", async () => {
    const { api, events, failNext } = fakeApi(3);
    const c = controller(api);
    c.start();
    await c.settled();
    failNext.count = 1;
    c.act({ kind: "flag", flag: "unsure" }, EXTRAS);
    await c.settled();
    expect(events).toHaveLength(0);
    expect(rowids(c.state)[0]).toBe(1);
    c.act({ kind: "flag", flag: "unsure" }, EXTRAS);
    c.act({ kind: "label", label: "cat", source: "manual" }, EXTRAS);
    c.act({ kind: "skip" }, EXTRAS);
    await c.settled();
    expect(events.map((e) => [e.rowid, e.kind])).toEqual([
      [1, "flag"],
      [2, "label"],
      [3, "skip"],
    ]);
    expect(rowids(c.state)).toEqual([]);
  });

  it("undoes the latest action after its save, bringing its item back first", async () => {
    const { api, events } = fakeApi(10);
    const seen: ReviewEvent[] = [];
    const c = controller(api, (e) => seen.push(e));
    c.start();
    await c.settled();
    c.act({ kind: "label", label: "cat", source: "manual" }, EXTRAS);
    c.act({ kind: "flag", flag: "unsure" }, EXTRAS);
    // Undo right away, before anything has been saved.
    const undone = c.undo();
    expect(undone?.item.rowid).toBe(2);
    expect(rowids(c.state)[0]).toBe(2);
    await c.settled();
    // The flag was retracted, the first label stands.
    expect(events.map((e) => [e.rowid, e.kind, e.retracted])).toEqual([
      [1, "label", false],
      [2, "flag", true],
    ]);
    const u = seen.find((e) => e.type === "undone");
    expect(u && u.type === "undone" && u.retracted).toEqual(u && u.type === "undone" && u.expected);
    expect(rowids(c.state)[0]).toBe(2);
    expect(new Set(rowids(c.state)).size).toBe(rowids(c.state).length);
  });

  it("does not call the backend to undo an action whose save failed", async () => {
    const { api, failNext } = fakeApi(5);
    const c = controller(api);
    c.start();
    await c.settled();
    const gate = deferred<void>();
    const annotate = api.annotate;
    api.annotate = vi.fn(async (r: AnnotateRequest) => {
      await gate.promise;
      return annotate(r);
    });
    failNext.count = 1;
    c.act({ kind: "skip" }, EXTRAS);
    c.undo();
    gate.resolve();
    await c.settled();
    expect(api.undo).not.toHaveBeenCalled();
    expect(rowids(c.state)[0]).toBe(1);
  });

  it("reports when there is nothing to undo", () => {
    const { api } = fakeApi(1);
    const seen: ReviewEvent[] = [];
    const c = controller(api, (e) => seen.push(e));
    expect(c.undo()).toBeNull();
    expect(seen).toEqual([{ type: "nothingToUndo" }]);
  });

  it("ends in the empty state when the queue runs out", async () => {
    const { api } = fakeApi(2);
    const c = controller(api);
    c.start();
    await c.settled();
    expect(c.state.exhausted).toBe(true);
    c.act({ kind: "skip" }, EXTRAS);
    c.act({ kind: "skip" }, EXTRAS);
    expect(c.act({ kind: "skip" }, EXTRAS)).toBeNull();
    await c.settled();
    expect(sessionPhase(c.state)).toBe("empty");
  });

  it("coalesces top-ups and releases the claims after the last save when disposed", async () => {
    const { api, claims } = fakeApi(10);
    const c = controller(api);
    c.start();
    c.requestTopUp();
    c.requestTopUp();
    await c.settled();
    expect(api.nextItems).toHaveBeenCalledTimes(1);
    c.act({ kind: "skip" }, EXTRAS);
    const done = c.dispose();
    expect(c.act({ kind: "skip" }, EXTRAS)).toBeNull();
    await done;
    expect(api.annotate).toHaveBeenCalledTimes(1);
    expect(api.releaseQueue).toHaveBeenCalledWith(7, "ana");
    expect(claims.size).toBe(0);
  });

  it("shares a serial queue so a closing session releases before the next one claims", async () => {
    const { api } = fakeApi(10);
    const serial = new SerialQueue();
    const order: string[] = [];
    const next = api.nextItems;
    api.nextItems = vi.fn(async (q: number, a: string, n: number) => {
      order.push("next");
      return next(q, a, n);
    });
    const release = api.releaseQueue;
    api.releaseQueue = vi.fn(async (q: number, a: string) => {
      order.push("release");
      return release(q, a);
    });
    const first = new ReviewController({ ...TARGET, api, serial });
    first.start();
    void first.dispose();
    const second = new ReviewController({ ...TARGET, api, serial });
    second.start();
    await serial.idle();
    expect(order).toEqual(["release", "next"]);
    expect(rowids(second.state)).toEqual([1, 2, 3]);
  });

  it("reports a failed top-up and recovers on retry", async () => {
    const { api } = fakeApi(3);
    const seen: ReviewEvent[] = [];
    const next = api.nextItems;
    api.nextItems = vi.fn().mockRejectedValueOnce({ code: "io", message: "locked" }).mockImplementation(next);
    const c = controller(api, (e) => seen.push(e));
    c.start();
    await c.settled();
    expect(sessionPhase(c.state)).toBe("error");
    expect(seen[0]?.type).toBe("loadFailed");
    c.requestTopUp();
    await c.settled();
    expect(rowids(c.state)).toEqual([1, 2, 3]);
  });
});
