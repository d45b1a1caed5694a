import { describe, expect, it } from "vitest";
import type { QueueDto } from "../bindings/QueueDto";
import type { RunInfo } from "../bindings/RunInfo";
import {
  belowText,
  calibratedText,
  calibrationQueues,
  defaultQueueForm,
  itemQueueParts,
  overlapWarning,
  queueableRuns,
  queueOptionText,
  queueRequest,
  splitText,
  toggleAssignee,
  queueSummary,
  scoreWords,
  suggestedQueueName,
  type QueueForm,
} from "./queueForm";

const run = (id: number, status = "done", items = 10): RunInfo =>
  ({ run: id, status, items, model: "m@1", dataset: "d@1" }) as RunInfo;

const form = (over: Partial<QueueForm> = {}): QueueForm => ({ ...defaultQueueForm([run(3)]), ...over });

describe("queue form", () => {
  it("defaults to the newest usable run", () => {
    expect(queueableRuns([run(5, "running"), run(4, "failed"), run(3, "done", 0), run(2, "cancelled"), run(1)]).map((r) => r.run)).toEqual([2, 1]);
    expect(defaultQueueForm([run(5, "running"), run(2)]).run).toBe("2");
    expect(defaultQueueForm(null).run).toBe("");
  });

  it("builds the request", () => {
    const r = queueRequest(
      form({ name: " Street ", useThreshold: true, threshold: 0.55, limit: "200", overlapPercent: "20", overlapK: "3", blind: true, seed: "42" }),
    );
    expect(r).toEqual({
      request: {
        name: "Street",
        run: 3,
        strategy: "least-confidence",
        otherRun: null,
        threshold: 0.55,
        seed: 42,
        limit: 200,
        overlapShare: 0.2,
        overlapK: 3,
        blind: true,
        assign: [],
      },
    });
  });

  it("splits a queue between the annotators named in Assign to", () => {
    const r = queueRequest(form({ overlapPercent: "100", overlapK: "2", assign: " ana, ben,, cy " }));
    expect("request" in r && r.request.assign).toEqual(["ana", "ben", "cy"]);
    const twice = queueRequest(form({ assign: "ana, ben, ana" }));
    expect("errors" in twice && twice.errors.assign).toBe("ana is listed twice");
    const few = queueRequest(form({ overlapPercent: "50", overlapK: "3", assign: "ana, ben" }));
    expect("errors" in few && few.errors.assign).toBe("Overlap items need 3 different people: list at least 3");
    // Without overlap every item goes to one person: one name is enough.
    const one = queueRequest(form({ overlapPercent: "0", overlapK: "3", assign: "ana" }));
    expect("request" in one && one.request.assign).toEqual(["ana"]);
    expect(toggleAssignee("ana, ben", "cy")).toBe("ana, ben, cy");
    expect(toggleAssignee("ana, ben", "ana")).toBe("ben");
    expect(splitText([])).toBeNull();
    expect(splitText(["ana"])).toBe("only for ana");
    expect(splitText(["ana", "ben", "cy"])).toBe("split between ana, ben and cy");
  });

  it("sends no threshold or limit when they are off or empty, and names the queue when unnamed", () => {
    const r = queueRequest(form({ threshold: 0.3 }));
    expect("request" in r && r.request).toMatchObject({ threshold: null, limit: null, name: "least-confidence · run 3", overlapShare: 0 });
    expect(suggestedQueueName(form({ useThreshold: true, threshold: 0.6 }))).toBe("least-confidence · run 3 · < 0.60");
  });

  it("reports bad fields and sends nothing", () => {
    const r = queueRequest(form({ run: "", limit: "0", overlapPercent: "120", overlapK: "0", seed: "-1" }));
    expect("errors" in r && Object.keys(r.errors).sort()).toEqual(["limit", "overlapK", "overlapPercent", "run", "seed"]);
    const md = queueRequest(form({ strategy: "model-disagreement" }));
    expect("errors" in md && md.errors.otherRun).toBe("Choose the second run");
    const same = queueRequest(form({ strategy: "model-disagreement", otherRun: "3" }));
    expect("errors" in same && same.errors.otherRun).toBe("Choose a different run");
    const ok = queueRequest(form({ strategy: "model-disagreement", otherRun: "4" }));
    expect("request" in ok && ok.request.otherRun).toBe(4);
  });

  it("serves gold at a share and warm-up, or makes a qualification; a queue serving gold is blind", () => {
    const r = queueRequest(form({ goldPercent: "5", goldWarmup: "3" }));
    expect("request" in r && r.request.gold).toEqual({ rate: 0.05, warmup: 3, qualification: null });
    expect("request" in r && r.request.blind).toBe(true);
    const q = queueRequest(form({ qualification: true, passPercent: "80", passItems: "10", goldPercent: "5" }));
    expect("request" in q && q.request.gold).toEqual({ rate: 0, warmup: 0, qualification: { passAccuracy: 0.8, passItems: 10 } });
    const none = queueRequest(form({}));
    expect("request" in none && none.request.gold).toBeUndefined();
    expect("request" in none && none.request.blind).toBe(false);
    const bad = queueRequest(form({ goldPercent: "100", goldWarmup: "x" }));
    expect("errors" in bad && bad.errors).toMatchObject({ goldPercent: "0 to under 100 %", goldWarmup: "A whole number" });
    const badQ = queueRequest(form({ qualification: true, passPercent: "0", passItems: "0" }));
    expect("errors" in badQ && badQ.errors).toMatchObject({ passPercent: "Above 0, at most 100 %", passItems: "At least 1" });
  });

  it("describes counts and queues", () => {
    expect(belowText({ below: 3412, total: 1_000_000 }, 0.6)).toBe("3,412 of 1,000,000 items below 0.60");
    const q: QueueDto = {
      id: 1,
      name: "Street",
      run: 3,
      strategy: "margin",
      threshold: 0.5,
      overlapShare: 0.2,
      overlapK: 2,
      blind: true,
      createdAt: "",
      counts: { total: 40, done: 12, partial: 0, claimed: 0, untouched: 28, skipped: 0, flagged: 0 },
      assignees: [],
      gold: { rate: 0, warmup: 0, qualification: null },
      temperature: null,
    };
    expect(queueOptionText(q)).toBe("Street (12 / 40) · blind");
    expect(queueSummary(q)).toBe("run 3 · Smallest margin · confidence < 0.50 · 20 % by 2 people · blind");
    expect(queueSummary({ ...q, temperature: 1.7 })).toBe(
      "run 3 · Smallest margin · calibrated confidence < 0.50 · 20 % by 2 people · blind",
    );
    expect(queueSummary({ ...q, threshold: null, overlapShare: 0, blind: false, temperature: 1.7 })).toBe(
      "run 3 · Smallest margin · by calibrated confidence",
    );
    expect(belowText({ below: 7, total: 10 }, 0.6, true)).toBe("7 of 10 items below 0.60 calibrated confidence");
    expect(calibratedText(null)).toBe("Calibrated confidence: calibrate this run on the Dashboard first");
    expect(calibratedText(1.23456)).toBe("Rank by calibrated confidence (T = 1.235)");
    expect(queueSummary({ ...q, assignees: ["ana", "ben"], gold: { rate: 0, warmup: 0, qualification: null } })).toBe(
      "run 3 · Smallest margin · confidence < 0.50 · 20 % by 2 people · blind · split between ana and ben",
    );
  });
});

describe("the overlap warning", () => {
  it("warns when an overlap item needs more people than the project has", () => {
    expect(overlapWarning({ overlapPercent: "100", overlapK: "22" }, 1)).toBe(
      "The project has 1 annotator so far: each overlap item stays open until 22 people have labeled it.",
    );
    expect(overlapWarning({ overlapPercent: "20", overlapK: "3" }, 2)).toMatch(/2 annotators so far.*until 3 people/);
  });
  it("says nothing without overlap, within the team, or before the team is known", () => {
    expect(overlapWarning({ overlapPercent: "0", overlapK: "5" }, 1)).toBeNull();
    expect(overlapWarning({ overlapPercent: "", overlapK: "5" }, 1)).toBeNull();
    expect(overlapWarning({ overlapPercent: "100", overlapK: "2" }, 2)).toBeNull();
    expect(overlapWarning({ overlapPercent: "100", overlapK: "3" }, null)).toBeNull();
    expect(overlapWarning({ overlapPercent: "100", overlapK: "x" }, 1)).toBeNull();
  });
});

describe("the review panel's head", () => {
  it("explains the score in words, per strategy", () => {
    expect(scoreWords("least-confidence", 0.514)).toBe("least confidence: top class 48.6%");
    expect(scoreWords("margin", 0.123)).toBe("smallest margin: top two classes 12.3% apart");
    expect(scoreWords("entropy", 1.234)).toBe("highest entropy: 1.23 nats (0 = certain)");
    expect(scoreWords("label-disagreement", 0.43)).toBe(
      "label disagreement: the model's class is 43.0% more probable than the given label",
    );
    expect(scoreWords("model-disagreement", 0.31)).toBe("model disagreement: the two runs' probabilities differ by 31.0%");
    expect(scoreWords("random", 0.77)).toBe("random sample");
    expect(scoreWords("future", 0.5)).toBe("future: score 0.500");
  });

  it("names the threshold, the overlap and what the loaded items are", () => {
    expect(itemQueueParts({ threshold: 0.6 }, 2, 2).map((p) => p.text)).toEqual([
      "queue: confidence < 0.60",
      "labels from 2 people",
      "next 2 loaded",
    ]);
    expect(itemQueueParts({ threshold: null }, 1, 1).map((p) => p.text)).toEqual(["next 1 loaded"]);
    expect(itemQueueParts({ threshold: null }, 1, 1)[0]!.title).toContain("already loaded and claimed for you");
    expect(itemQueueParts({ threshold: null }, 1, 0)).toEqual([]);
  });

  it("asks a set-size queue for its calibration queue and level, and words its score", () => {
    const bad = queueRequest(form({ strategy: "set-size", alphaPercent: "0" }));
    expect(bad).toEqual({ errors: { calibration: "Choose a random queue to calibrate on", alphaPercent: "Above 0, below 100 %" } });
    const ok = queueRequest(form({ strategy: "set-size", calibration: " audit ", alphaPercent: "10" }));
    expect("request" in ok && ok.request).toMatchObject({ strategy: "set-size", calibration: "audit", alpha: 0.1 });
    const plain = queueRequest(form({ calibration: "audit" }));
    expect("request" in plain && "calibration" in plain.request).toBe(false);
    expect(scoreWords("set-size", 3)).toBe("prediction set: 3 labels — the model cannot tell them apart");
    expect(scoreWords("set-size", 1)).toBe("prediction set: 1 label");
    expect(scoreWords("set-size", 0)).toBe("prediction set: empty — no label is plausible enough");
    expect(calibrationQueues([{ strategy: "random", threshold: null, run: 3 } as QueueDto, { strategy: "random", threshold: 0.5, run: 3 } as QueueDto], 3)).toHaveLength(1);
  });
});
