import { describe, expect, it } from "vitest";
import { ProgressFeed } from "./progressFeed";

/** Reads the test answers by hand, in any order. */
function harness() {
  const reads: { resolve: (v: number) => void; reject: (e: unknown) => void }[] = [];
  const shown: number[] = [];
  const errors: unknown[] = [];
  let t = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let nextTimer = 1;
  const feed = new ProgressFeed<number>({
    load: () => new Promise<number>((resolve, reject) => reads.push({ resolve, reject })),
    onValue: (v) => shown.push(v),
    onError: (e) => errors.push(e),
    now: () => t,
    setTimer: (fn, ms) => {
      const id = nextTimer++;
      timers.set(id, { at: t + ms, fn });
      return id;
    },
    clearTimer: (id) => timers.delete(id as number),
  });
  /** Moves the clock on, firing the timers that fall due. */
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      const next = [...timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      timers.delete(next[0]);
      t = next[1].at;
      next[1].fn();
    }
    t = end;
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { feed, reads, shown, errors, advance, settle, pending: () => timers.size };
}

describe("ProgressFeed", () => {
  it("keeps the newest read's answer when an older read answers after it", async () => {
    const h = harness();
    h.feed.request(800);
    h.advance(800);
    h.feed.request(800);
    h.advance(800);
    expect(h.reads).toHaveLength(2);
    h.reads[1]!.resolve(2);
    await h.settle();
    h.reads[0]!.resolve(1);
    await h.settle();
    expect(h.shown).toEqual([2]);
  });

  it("applies answers that arrive in order, each newer than the last", async () => {
    const h = harness();
    h.feed.request(0);
    h.advance(0);
    h.feed.request(0);
    h.advance(0);
    h.reads[0]!.resolve(1);
    await h.settle();
    h.reads[1]!.resolve(2);
    await h.settle();
    expect(h.shown).toEqual([1, 2]);
  });

  it("sends a new read for a request made while a read is out (not dropped)", async () => {
    const h = harness();
    h.feed.request(0);
    h.advance(0);
    expect(h.reads).toHaveLength(1);
    h.feed.request(800);
    h.advance(800);
    expect(h.reads).toHaveLength(2);
  });

  it("shares one read between requests made while it is scheduled, moving it earlier if asked", () => {
    const h = harness();
    h.feed.request(800);
    h.advance(100);
    // Due later than the scheduled read (t = 900 > 800): it waits for that one.
    h.feed.request(800);
    expect(h.pending()).toBe(1);
    // Due sooner (t = 600): the read moves earlier, still one.
    h.feed.request(500);
    expect(h.pending()).toBe(1);
    h.advance(499);
    expect(h.reads).toHaveLength(0);
    h.advance(1);
    expect(h.reads).toHaveLength(1);
    h.advance(1000);
    expect(h.reads).toHaveLength(1);
    expect(h.pending()).toBe(0);
  });

  it("ignores answers and drops the scheduled read once disposed", async () => {
    const h = harness();
    h.feed.request(0);
    h.advance(0);
    h.feed.request(800);
    h.feed.dispose();
    expect(h.pending()).toBe(0);
    h.reads[0]!.resolve(7);
    await h.settle();
    h.feed.request(0);
    h.advance(1000);
    expect(h.shown).toEqual([]);
    expect(h.reads).toHaveLength(1);
  });

  it("reports a failed read unless a newer answer is already shown", async () => {
    const h = harness();
    h.feed.request(0);
    h.advance(0);
    h.feed.request(0);
    h.advance(0);
    h.reads[1]!.resolve(2);
    await h.settle();
    h.reads[0]!.reject(new Error("old"));
    await h.settle();
    expect(h.errors).toEqual([]);
    h.feed.request(0);
    h.advance(0);
    h.reads[2]!.reject(new Error("new"));
    await h.settle();
    expect(h.errors).toEqual([new Error("new")]);
    expect(h.shown).toEqual([2]);
  });

  it("reports a read that throws instead of returning a promise", async () => {
    const errors: unknown[] = [];
    const feed = new ProgressFeed<number>({
      load: () => {
        throw new Error("no project");
      },
      onValue: () => {},
      onError: (e) => errors.push(e),
    });
    feed.request(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(errors).toEqual([new Error("no project")]);
  });
});
