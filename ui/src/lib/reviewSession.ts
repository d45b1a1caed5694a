/**
 * The review session: which items the annotator has in hand (the current one and the prefetched
 * ones), what they did (the undo stack), and the optimistic flow around the backend — the UI
 * advances at once, the annotation is recorded in the background, and a failed save puts the
 * item back in front.
 *
 * The pure functions below manage the state; `ReviewController` drives them against an injected
 * API (the real one is `ipc.ts`), so the whole flow is unit-tested without Tauri or React.
 *
 * Every backend call goes through one serial queue, in the order the annotator acted: an undo
 * therefore always retracts the event the annotator means (the one before it has committed), and
 * a top-up (`next_items`) always sees the annotations recorded before it.
 */

import type { AnnotateRequest } from "../bindings/AnnotateRequest";
import type { AnnotateResult } from "../bindings/AnnotateResult";
import type { ReviewItem } from "../bindings/ReviewItem";
import type { FlagKind } from "./reviewKeys";

/** The reason and note typed for an item (restored when the item comes back). */
export interface Draft {
  reason: string | null;
  note: string;
}

export const EMPTY_DRAFT: Draft = { reason: null, note: "" };

/** One thing the annotator did to one item. */
export interface Entry {
  id: number;
  item: ReviewItem;
  /** The event to record (one per action, see `requestFor`). */
  request: AnnotateRequest;
  draft: Draft;
  /** When it was done (ms, the controller's clock) — for the pace. */
  at: number;
}

export interface SessionState {
  /** The items in hand: `[0]` is on screen, the rest are prefetched. */
  buffer: readonly ReviewItem[];
  /** What the annotator did this session, oldest first (saving or saved): the undo stack. */
  entries: readonly Entry[];
  /** Ids of the entries whose save has not finished yet. */
  saving: readonly number[];
  /**
   * Items put back by an undo or a failed save. They are no longer claimed, so `next_items`
   * may not list them: they stay in hand until the annotator acts on them.
   */
  pinned: readonly number[];
  /** The last top-up returned fewer items than asked: nothing more for this annotator now. */
  exhausted: boolean;
  /** A top-up has come back at least once. */
  loaded: boolean;
  /** A top-up is queued or running. */
  loading: boolean;
  /** The last top-up failed. */
  loadError: unknown;
}

/** How many entries the undo stack keeps. */
export const HISTORY_LIMIT = 500;

export function emptySession(): SessionState {
  return { buffer: [], entries: [], saving: [], pinned: [], exhausted: false, loaded: false, loading: false, loadError: null };
}

export function currentItem(s: SessionState): ReviewItem | null {
  return s.buffer[0] ?? null;
}

/** Rowids the annotator has handled this session (never shown again unless undone). */
export function handledRowids(s: SessionState): Set<number> {
  return new Set(s.entries.map((e) => e.item.rowid));
}

/** Puts `item` in front of the buffer (moving it if it is already there). */
export function putFront(buffer: readonly ReviewItem[], item: ReviewItem): ReviewItem[] {
  return [item, ...buffer.filter((i) => i.rowid !== item.rowid)];
}

function pin(pinned: readonly number[], rowid: number): number[] {
  return pinned.includes(rowid) ? [...pinned] : [...pinned, rowid];
}

/** The annotator acted on the current item: the next one comes up at once. */
export function advance(s: SessionState, entry: Entry): SessionState {
  const cur = s.buffer[0];
  if (!cur || cur.rowid !== entry.item.rowid) throw new Error("advance: the entry is not for the current item");
  const entries = [...s.entries, entry];
  return {
    ...s,
    buffer: s.buffer.slice(1),
    entries: entries.length > HISTORY_LIMIT ? entries.slice(entries.length - HISTORY_LIMIT) : entries,
    saving: [...s.saving, entry.id],
    pinned: s.pinned.filter((r) => r !== entry.item.rowid),
  };
}

/** The entry's save finished. */
export function saved(s: SessionState, id: number): SessionState {
  return s.saving.includes(id) ? { ...s, saving: s.saving.filter((x) => x !== id) } : s;
}

/** The entry's save failed: it is forgotten and its item comes back in front. */
export function rollback(s: SessionState, id: number): SessionState {
  const entry = s.entries.find((e) => e.id === id);
  const next = saved(s, id);
  if (!entry) return next; // already undone: its item is in front already
  return {
    ...next,
    buffer: putFront(next.buffer, entry.item),
    entries: next.entries.filter((e) => e.id !== id),
    pinned: pin(next.pinned, entry.item.rowid),
  };
}

/** Undo: the latest entry comes off the stack and its item comes back in front. */
export function takeLast(s: SessionState): { state: SessionState; entry: Entry } | null {
  const entry = s.entries[s.entries.length - 1];
  if (!entry) return null;
  return {
    entry,
    state: {
      ...s,
      buffer: putFront(s.buffer, entry.item),
      entries: s.entries.slice(0, -1),
      pinned: pin(s.pinned, entry.item.rowid),
    },
  };
}

/** The undo failed: the entry goes back on the stack and its item leaves the buffer again. */
export function putBack(s: SessionState, entry: Entry): SessionState {
  const entries = [...s.entries.filter((e) => e.id !== entry.id), entry].sort((a, b) => a.id - b.id);
  return {
    ...s,
    entries,
    buffer: s.buffer.filter((i) => i.rowid !== entry.item.rowid),
    pinned: s.pinned.filter((r) => r !== entry.item.rowid),
  };
}

/**
 * Merges a `next_items` answer (the annotator's claims, in queue order) into the buffer. The item
 * on screen stays on screen, and so do items put back by an undo or a failed save; the other
 * prefetched ones are replaced by the answer (it is the authority on what is still claimed),
 * minus anything handled meanwhile.
 */
export function mergeTopUp(s: SessionState, items: readonly ReviewItem[], requested: number): SessionState {
  const handled = handledRowids(s);
  const pinned = new Set(s.pinned);
  const buffer: ReviewItem[] = s.buffer.filter((it, i) => i === 0 || pinned.has(it.rowid));
  const seen = new Set(buffer.map((i) => i.rowid));
  for (const it of items) {
    if (handled.has(it.rowid) || seen.has(it.rowid)) continue;
    seen.add(it.rowid);
    buffer.push(it);
  }
  return { ...s, buffer, exhausted: items.length < requested, loaded: true, loading: false, loadError: null };
}

/** What the empty area shows. */
export function sessionPhase(s: SessionState): "item" | "loading" | "saving" | "empty" | "error" {
  if (s.buffer.length > 0) return "item";
  if (s.loadError && !s.loading) return "error";
  if (!s.loaded || s.loading) return "loading";
  if (s.saving.length > 0) return "saving";
  return s.exhausted ? "empty" : "loading";
}

// ---------------------------------------------------------------- the controller

export type ActionSpec =
  | { kind: "label"; label: string; source: "manual" | "accepted_prediction" | "override" }
  | { kind: "skip" }
  | { kind: "flag"; flag: FlagKind };

export interface ActExtras {
  draft: Draft;
  /** Time spent on the item. */
  seconds: number | null;
  /** Whether the model's prediction was on screen. */
  predictionShown: boolean;
}

export interface SessionTarget {
  queue: number;
  run: number;
  annotator: string;
}

/**
 * The event for one action: a label, a skip, or a flag — one event each (the backend never
 * hands an item back to whoever labeled, skipped or flagged it, so a flag needs no skip).
 */
export function requestFor(spec: ActionSpec, item: ReviewItem, extras: ActExtras, t: SessionTarget): AnnotateRequest {
  const note = extras.draft.note.trim();
  const base: AnnotateRequest = {
    rowid: item.rowid,
    annotator: t.annotator,
    kind: "label",
    label: null,
    flag: null,
    reason: extras.draft.reason,
    note: note === "" ? null : note,
    seconds: extras.seconds,
    predictionShown: extras.predictionShown,
    source: "manual",
    queue: t.queue,
    run: t.run,
  };
  switch (spec.kind) {
    case "label":
      return { ...base, label: spec.label, source: spec.source };
    case "skip":
      return { ...base, kind: "skip" };
    case "flag":
      return { ...base, kind: "flag", flag: spec.flag };
  }
}

export interface ReviewApi {
  nextItems(queue: number, annotator: string, n: number): Promise<ReviewItem[]>;
  annotate(request: AnnotateRequest): Promise<AnnotateResult>;
  undo(annotator: string, queue: number | null): Promise<number | null>;
  releaseQueue(queue: number, annotator: string): Promise<void>;
}

export type ReviewEvent =
  | { type: "saved"; entry: Entry; result: AnnotateResult }
  | { type: "saveFailed"; entry: Entry; error: unknown }
  /** `retracted` is the event the backend retracted (null: none); `expected` the one saved for the entry. */
  | { type: "undone"; entry: Entry; retracted: number | null; expected: number }
  | { type: "undoFailed"; entry: Entry; error: unknown }
  | { type: "nothingToUndo" }
  | { type: "loadFailed"; error: unknown };

/**
 * Runs async tasks one after another. Review sessions share one (`sharedSerial`), so a session
 * that is closing (saves still in flight, then giving its claims back) finishes before the next
 * session for the same queue asks for items.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run(task: () => Promise<void>): Promise<void> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => {});
    return this.tail;
  }

  /** Resolves once the queue is empty (including tasks queued while waiting). */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }
}

export const sharedSerial = new SerialQueue();

export interface ControllerOptions extends SessionTarget {
  api: ReviewApi;
  /** Where the backend calls are queued (default: a queue of its own). */
  serial?: SerialQueue;
  /** Items kept ready after the current one. */
  prefetch?: number;
  onEvent?: (event: ReviewEvent) => void;
  now?: () => number;
}

export class ReviewController {
  private s: SessionState = emptySession();
  private readonly listeners = new Set<() => void>();
  private readonly serial: SerialQueue;
  private topUpQueued = false;
  private disposed = false;
  private seq = 0;
  /** The annotation id saved per entry (not yet retracted), and entries whose save failed. */
  private readonly committed = new Map<number, number>();
  private readonly failed = new Set<number>();
  readonly target: SessionTarget;
  readonly startedAt: number;

  constructor(private readonly opts: ControllerOptions) {
    this.target = { queue: opts.queue, run: opts.run, annotator: opts.annotator };
    this.startedAt = this.now();
    this.serial = opts.serial ?? new SerialQueue();
  }

  get state(): SessionState {
    return this.s;
  }

  /** How many items one `next_items` asks for (current + prefetched; the backend allows 8). */
  get wanted(): number {
    return Math.min(8, 1 + Math.max(0, this.opts.prefetch ?? 2));
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): SessionState => this.s;

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  private set(next: SessionState) {
    if (next === this.s) return;
    this.s = next;
    for (const l of [...this.listeners]) l();
  }

  private emit(event: ReviewEvent) {
    this.opts.onEvent?.(event);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    return this.serial.run(task);
  }

  /** Resolves once every queued call has finished. */
  settled(): Promise<void> {
    return this.serial.idle();
  }

  start() {
    this.requestTopUp();
  }

  /** Asks for the annotator's next items (coalesced: at most one waiting in the chain). */
  requestTopUp() {
    if (this.disposed || this.topUpQueued) return;
    this.topUpQueued = true;
    if (!this.s.loading) this.set({ ...this.s, loading: true });
    void this.enqueue(async () => {
      this.topUpQueued = false;
      if (this.disposed) return;
      const n = this.wanted;
      try {
        const items = await this.opts.api.nextItems(this.target.queue, this.target.annotator, n);
        if (this.disposed) return;
        const handled = handledRowids(this.s);
        this.set(mergeTopUp(this.s, items, n));
        // The answer still listed items whose saves were queued behind it: ask again (after them)
        // so that the prefetch stays full when the annotator is faster than the round trip.
        if (this.s.buffer.length < n && items.some((i) => handled.has(i.rowid))) this.requestTopUp();
      } catch (error) {
        if (this.disposed) return;
        this.set({ ...this.s, loading: false, loadError: error });
        this.emit({ type: "loadFailed", error });
      }
    });
  }

  /** Acts on the current item: the next one is current at once; the save runs in the background. */
  act(spec: ActionSpec, extras: ActExtras): Entry | null {
    if (this.disposed) return null;
    const item = currentItem(this.s);
    if (!item) return null;
    const entry: Entry = {
      id: ++this.seq,
      item,
      request: requestFor(spec, item, extras, this.target),
      draft: extras.draft,
      at: this.now(),
    };
    this.set(advance(this.s, entry));
    void this.enqueue(() => this.save(entry));
    this.requestTopUp();
    return entry;
  }

  private async save(entry: Entry) {
    let result: AnnotateResult;
    try {
      result = await this.opts.api.annotate(entry.request);
    } catch (error) {
      this.failed.add(entry.id);
      this.set(rollback(this.s, entry.id));
      this.emit({ type: "saveFailed", entry, error });
      return;
    }
    this.committed.set(entry.id, result.annotation);
    this.set(saved(this.s, entry.id));
    this.emit({ type: "saved", entry, result });
  }

  /**
   * Undoes the latest action of this session: its item comes back in front at once, and the
   * backend retracts its event once everything before has been saved.
   */
  undo(): Entry | null {
    if (this.disposed) return null;
    const taken = takeLast(this.s);
    if (!taken) {
      this.emit({ type: "nothingToUndo" });
      return null;
    }
    const { entry } = taken;
    this.set(taken.state);
    void this.enqueue(async () => {
      if (this.failed.has(entry.id)) {
        // Its save failed and was rolled back: there is nothing to retract.
        this.failed.delete(entry.id);
        this.committed.delete(entry.id);
        return;
      }
      const expected = this.committed.get(entry.id);
      if (expected === undefined) {
        // Not saved and not failed cannot happen (saves run before this, in order); nothing to retract.
        this.set(saved(this.s, entry.id));
        return;
      }
      let retracted: number | null;
      try {
        retracted = await this.opts.api.undo(this.target.annotator, this.target.queue);
      } catch (error) {
        this.set(putBack(this.s, entry));
        this.emit({ type: "undoFailed", entry, error });
        return;
      }
      this.committed.delete(entry.id);
      this.set(saved(this.s, entry.id));
      this.emit({ type: "undone", entry, retracted, expected });
    });
    this.requestTopUp();
    return entry;
  }

  /**
   * Leaves the queue: the saves still queued finish (nothing typed is lost), then the
   * annotator's claims are given back.
   */
  dispose(): Promise<void> {
    if (this.disposed) return this.serial.idle();
    this.disposed = true;
    this.listeners.clear();
    return this.enqueue(async () => {
      try {
        await this.opts.api.releaseQueue(this.target.queue, this.target.annotator);
      } catch {
        /* the claims lapse with their lease anyway */
      }
    });
  }
}
