// Test data: a project report as the backend serialises it (used by the unit tests only).
import type { ProjectReportDto } from "../bindings/ProjectReportDto";

/** A report as the backend serialises it (snake_case, nulls with reasons). */
export function rawReport(): ProjectReportDto {
  return {
    progress: { items: 1000, annotated: 300, decided: 240, conflicts: 20, pending: 40, annotations: 820 },
    agreement: {
      items: 260,
      annotators: 3,
      labels: ["cat", "dog", "bird"],
      scale: "nominal",
      ratings: 820,
      percent_agreement: 0.84,
      cohen_kappa: [
        { a: "ana", b: "ben", items: 200, kappa: 0.71, kappa_linear: null, kappa_quadratic: null, percent_agreement: 0.85 },
        { a: "ana", b: "cy", items: 0, kappa: null, kappa_linear: null, kappa_quadratic: null, percent_agreement: null },
        { a: "ben", b: "cy", items: 50, kappa: -0.05, kappa_linear: null, kappa_quadratic: null, percent_agreement: 0.4 },
      ],
      fleiss_kappa: null,
      krippendorff_alpha: { nominal: 0.69, ordinal: null, interval: null },
      gwet_ac1: 0.79,
      per_label: { cat: 0.75, dog: 0.7, bird: null },
      per_annotator: {
        ana: { items: 180, kappa: 0.74, percent_agreement: 0.88 },
        ben: { items: 170, kappa: 0.68, percent_agreement: 0.84 },
        cy: { items: 30, kappa: null, percent_agreement: 0.5 },
      },
      undefined: {
        fleiss_kappa: "unequal numbers of ratings per item (Fleiss' kappa needs the same number for every item)",
        "cohen_kappa.ana/cy.kappa": "the two annotators rated no item in common",
        "per_label.bird": "no variation: every rating has the same value",
        "per_annotator.cy.kappa": "chance disagreement is zero: both annotators used one and the same label",
      },
      intervals: null,
    },
    model_quality: {
      run: 3,
      overall: { items: 100, correct: 80, accuracy: 0.8, low: 0.71, high: 0.87 },
      random_sample: { items: 60, correct: 51, accuracy: 0.85, low: 0.74, high: 0.92 },
      uncertainty_queues: { items: 40, correct: 29, accuracy: 0.725, low: 0.57, high: 0.84 },
      per_class: {
        cat: { support: 50, precision: 0.9, recall: 0.86, f1: 0.88 },
        dog: { support: 40, precision: 0.7, recall: 0.75, f1: 0.72 },
        bird: { support: 10, precision: null, recall: 0, f1: null },
      },
      labels: ["cat", "dog", "bird"],
      confusion: [
        [43, 7, 0],
        [10, 30, 0],
        [2, 8, 0],
      ],
      ece: 0.061,
      calibration_on: "random_sample",
      calibration_items: 100,
      bins: [
        { lower: 0, upper: 0.1, items: 0, mean_confidence: null, accuracy: null },
        { lower: 0.5, upper: 0.6, items: 20, mean_confidence: 0.55, accuracy: 0.45 },
        { lower: 0.9, upper: 1, items: 80, mean_confidence: 0.95, accuracy: 0.9 },
      ],
      failed: 0,
      failed_decided: 0,
    },
    reasons_by_class: {
      cat: { model_wrong: 3, ambiguous: 1 },
      "(undecided)": { bad_input: 9 },
      dog: { model_wrong: 6, bad_input: 1 },
    },
    annotators: [
      {
        annotator: "ana",
        role: "lead",
        labels: 400,
        last_hour: 30,
        median_seconds: 3,
        kappa_vs_others: 0.74,
        vs_reviewers: { items: 20, correct: 15, accuracy: 0.75, low: 0.531, high: 0.888 },
        gold: { items: 12, correct: 9, accuracy: 0.75, low: 0.468, high: 0.911 },
      },
      {
        annotator: "ben",
        role: "annotator",
        labels: 350,
        last_hour: 0,
        median_seconds: 5,
        kappa_vs_others: 0.68,
        vs_reviewers: { items: 0, correct: 0, accuracy: null, low: null, high: null },
        gold: { items: 4, correct: 1, accuracy: 0.25, low: 0.046, high: 0.699 },
      },
      {
        annotator: "cy",
        role: "annotator",
        labels: 70,
        last_hour: 10,
        median_seconds: null,
        kappa_vs_others: null,
        vs_reviewers: { items: 0, correct: 0, accuracy: null, low: null, high: null },
        gold: { items: 0, correct: 0, accuracy: null, low: null, high: null },
      },
    ],
    ordinal_labels: false,
    activity: {
      bucket: "hour",
      starts: ["2026-01-01T09:00:00Z", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00Z"],
      labels: [500, 0, 320],
      per_annotator: { ana: [300, 0, 100], ben: [200, 0, 150], cy: [0, 0, 70] },
      decided: [300, 300, 500],
      skipped: 0,
    },
    gold: {
      labels: ["cat", "dog", "bird"],
      annotators: [
        {
          annotator: "ana",
          estimate: { items: 12, correct: 9, accuracy: 0.75, low: 0.468, high: 0.911 },
          confusion: [[3, 1, 0], [1, 3, 0], [0, 1, 3]],
          missed: [
            { item_id: "img_1", gold: "cat", given: "dog" },
            { item_id: "img_2", gold: "dog", given: "cat" },
            { item_id: "img_3", gold: "bird", given: "dog" },
          ],
        },
        {
          annotator: "ben",
          estimate: { items: 4, correct: 1, accuracy: 0.25, low: 0.046, high: 0.699 },
          confusion: [[0, 2, 0], [0, 1, 0], [1, 0, 0]],
          missed: [
            { item_id: "img_7", gold: "cat", given: "dog" },
            { item_id: "img_9", gold: "cat", given: "dog" },
            { item_id: "img_12", gold: "bird", given: "cat" },
          ],
        },
      ],
    },
    target: null,
    schema_version: 9,
    guideline_periods: [],
  };
}
