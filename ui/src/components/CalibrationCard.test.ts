import { describe, expect, it } from "vitest";
import type { AutoAcceptDto } from "../bindings/AutoAcceptDto";
import type { QueueDto } from "../bindings/QueueDto";
import { fairSamples, riskText } from "./CalibrationCard";

const queue = (over: Partial<QueueDto>) => ({ id: 1, name: "q", run: 1, strategy: "random", threshold: null, ...over }) as unknown as QueueDto;

const point = (over: Partial<AutoAcceptDto>): AutoAcceptDto => ({
  run: 1,
  sample: "audit",
  risk: 0.02,
  delta: 0.05,
  temperature: 1.4,
  threshold: 0.9731,
  sample_accepted: 180,
  sample_errors: 1,
  upper_bound: 0.0262,
  coverage: 0.641,
  accepted: 1152,
  status: "certified",
  labels_needed: null,
  applied: false,
  stale: null,
  despite_drift: false,
  ...over,
});

describe("CalibrationCard", () => {
  it("offers only random queues of the run saved without a threshold", () => {
    const qs = [
      queue({ id: 1, name: "audit" }),
      queue({ id: 2, name: "other-run", run: 2 }),
      queue({ id: 3, name: "below", threshold: 0.9 }),
      queue({ id: 4, name: "hard", strategy: "margin" }),
    ];
    expect(fairSamples(qs, 1).map((q) => q.name)).toEqual(["audit"]);
  });

  it("says what a risk level certifies, or what it needs", () => {
    expect(riskText(point({}))).toBe(
      "Accept items with calibrated confidence ≥ 0.9731: 64.1% of the run (1,152 items) no longer needs a person; their error is at most 2.6% with 95.0% confidence.",
    );
    expect(riskText(point({ status: "insufficient", threshold: null, coverage: null, upper_bound: null, labels_needed: 598, risk: 0.005 }))).toBe(
      "Not certified at 0.5% risk: 598 error-free audited labels are needed at the top of the sample.",
    );
  });
});
