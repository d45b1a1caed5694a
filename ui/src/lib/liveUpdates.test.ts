import { describe, expect, it } from "vitest";
import { applyJob, parseUpdate, refresher, type Clock, type Job, type LiveUpdate } from "./liveUpdates";

/** A clock the test moves by hand. */
function fakeClock() {
  let t = 0;
  const timers: { at: number; f: () => void; id: number }[] = [];
  let next = 1;
  const clock: Clock = {
    now: () => t,
    setTimeout: (f, ms) => {
      const id = next++;
      timers.push({ at: t + ms, f, id });
      return id;
    },
    clearTimeout: (h) => {
      const i = timers.findIndex((x) => x.id === h);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    t += ms;
    for (const x of timers.filter((x) => x.at <= t)) {
      timers.splice(timers.indexOf(x), 1);
      x.f();
    }
  };
  return { clock, advance };
}

const changed = (by: string, what = "annotations"): LiveUpdate => ({ type: "changed", by, what });

describe("parseUpdate", () => {
  it("reads the server's two kinds of update and ignores anything else", () => {
    expect(parseUpdate('{"type":"changed","by":"bob","what":"annotations"}')).toEqual(changed("bob"));
    expect(
      parseUpdate('{"type":"presence","people":[{"annotator":"ana","role":"annotator","connections":2},{"bad":1}]}'),
    ).toEqual({ type: "presence", people: [{ annotator: "ana", role: "annotator", connections: 2 }] });
    for (const junk of ["", "not json", "null", "3", '{"type":"changed","by":1}', '{"type":"later"}']) {
      expect(parseUpdate(junk)).toBeNull();
    }
  });
});

describe("refresher", () => {
  it("refreshes for others' changes at once, then at most once per gap, and never for one's own", () => {
    const { clock, advance } = fakeClock();
    let n = 0;
    const r = refresher("ana", () => n++, 2000, clock);
    r.onUpdate(changed("ana"));
    r.onUpdate({ type: "presence", people: [] });
    expect(n).toBe(0);
    r.onUpdate(changed("bob"));
    expect(n).toBe(1);
    // A burst inside the gap: one refresh at its end.
    for (let i = 0; i < 50; i++) {
      advance(10);
      r.onUpdate(changed(i % 2 ? "bob" : "cy", "claims"));
    }
    expect(n).toBe(1);
    advance(2000);
    expect(n).toBe(2);
    // Quiet long enough: the next change refreshes at once again.
    advance(5000);
    r.onUpdate(changed("cy"));
    expect(n).toBe(3);
    // Stopped: a pending refresh never comes.
    r.onUpdate(changed("cy"));
    r.stop();
    advance(5000);
    expect(n).toBe(3);
  });
});

describe("jobs", () => {
  const job = (run: number, done: number, status = "running"): Job => ({
    kind: "run",
    run,
    model: "cnn@1",
    dataset: "digits@1",
    done,
    failed: 0,
    total: 1797,
    status,
  });
  it("reads a run's progress as the server sends it, and refuses a partial one", () => {
    expect(
      parseUpdate(
        '{"type":"job","kind":"run","run":3,"model":"cnn@1","dataset":"digits@1","done":256,"failed":0,"total":1797,"status":"running"}',
      ),
    ).toEqual({ type: "job", ...job(3, 256) });
    expect(parseUpdate('{"type":"job","kind":"run","run":3,"model":"cnn@1","done":256}')).toBeNull();
  });
  it("keeps each running run's latest progress, in run order, and drops a run once it ends", () => {
    let jobs: Job[] = [];
    jobs = applyJob(jobs, job(5, 10));
    jobs = applyJob(jobs, job(3, 256));
    jobs = applyJob(jobs, job(5, 512));
    expect(jobs.map((j) => [j.run, j.done])).toEqual([
      [3, 256],
      [5, 512],
    ]);
    jobs = applyJob(jobs, job(3, 1797, "done"));
    expect(jobs.map((j) => j.run)).toEqual([5]);
    jobs = applyJob(jobs, job(5, 600, "cancelled"));
    expect(jobs).toEqual([]);
  });
});
