import { describe, expect, it } from "vitest";
import type { AgreementPoint } from "../bindings/AgreementPoint";
import {
  accuracyCsv,
  agreementCsv,
  activityCsv,
  annotatorsCsv,
  confusionCsv,
  csvField,
  fileStem,
  historyCsv,
  kappaCsv,
  perLabelCsv,
  progressCsv,
  reasonsCsv,
  reliabilityCsv,
  toCsv,
} from "./chartCsv";
import { rawReport } from "./report.fixture";

const lines = (csv: string) => csv.split("\r\n").slice(0, -1);

describe("csv escaping", () => {
  it("quotes fields with commas, quotes and line breaks; doubles quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField("")).toBe("");
  });

  it("writes null and non-finite numbers as empty fields, numbers at full precision", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
    expect(csvField(0.123456789012)).toBe("0.123456789012");
    expect(csvField(-3)).toBe("-3");
    expect(csvField(true)).toBe("true");
  });

  it("joins rows with CRLF and ends with one", () => {
    expect(toCsv(["a", "b"], [[1, "x,y"], [null, 'q"']])).toBe('a,b\r\n1,"x,y"\r\n,"q"""\r\n');
  });
});

describe("chart CSVs", () => {
  const r = rawReport();
  const q = r.model_quality!;

  it("kappa: one row per pair, with the reason of a null kappa", () => {
    expect(lines(kappaCsv(r.agreement))).toEqual([
      "annotator_a,annotator_b,items,kappa,kappa_linear,kappa_quadratic,percent_agreement,kappa_undefined_because",
      "ana,ben,200,0.71,,,0.85,",
      "ana,cy,0,,,,,the two annotators rated no item in common",
      "ben,cy,50,-0.05,,,0.4,",
    ]);
  });

  it("per label", () => {
    expect(lines(perLabelCsv(r.agreement))).toEqual([
      "label,alpha,undefined_because",
      "cat,0.75,",
      "dog,0.7,",
      "bird,,no variation: every rating has the same value",
    ]);
  });

  it("agreement: headline figures with reasons (quoted where they hold commas)", () => {
    const l = lines(agreementCsv(r.agreement));
    expect(l[0]).toBe("statistic,value,ci95_low,ci95_high,undefined_because");
    expect(l[1]).toBe("krippendorff_alpha_nominal,0.69,,,");
    expect(l[2]).toBe("krippendorff_alpha_ordinal,,,,only for numeric labels");
    expect(l[4]).toBe("fleiss_kappa,,,,unequal numbers of ratings per item (Fleiss' kappa needs the same number for every item)");
    expect(l).toContain("ratings,820,,,");
  });

  it("confusion: a matrix with decided rows, predicted columns and row totals", () => {
    expect(lines(confusionCsv(q))).toEqual([
      "decided \\ predicted,cat,dog,bird,total",
      "cat,43,7,0,50",
      "dog,10,30,0,40",
      "bird,2,8,0,10",
    ]);
  });

  it("confusion: escapes label names", () => {
    const odd = { ...q, labels: ['a,b', 'say "x"', "c"] };
    const l = lines(confusionCsv(odd));
    expect(l[0]).toBe('decided \\ predicted,"a,b","say ""x""",c,total');
    expect(l[1]!.startsWith('"a,b",43,')).toBe(true);
  });

  it("reliability: bins with gap, empty bins blank", () => {
    const l = lines(reliabilityCsv(q));
    expect(l[0]).toBe("bin_lower,bin_upper,items,mean_confidence,accuracy,gap");
    expect(l[1]).toBe("0,0.1,0,,,");
    expect(l[3]!.startsWith("0.9,1,80,0.95,0.9,")).toBe(true);
  });

  it("accuracy: the random sample marked unbiased, the queues biased", () => {
    expect(lines(accuracyCsv(q))).toEqual([
      "sample,items,correct,accuracy,wilson95_low,wilson95_high,biased",
      "random_sample,60,51,0.85,0.74,0.92,false",
      "uncertainty_queues,40,29,0.725,0.57,0.84,true",
      "all_decided,100,80,0.8,0.71,0.87,true",
    ]);
  });

  it("reasons by class: wide, one column per reason", () => {
    expect(lines(reasonsCsv(r.reasons_by_class))).toEqual([
      "class,bad_input,model_wrong,ambiguous,total",
      "dog,1,6,0,7",
      "cat,0,3,1,4",
      "(undecided),9,0,0,9",
    ]);
  });

  it("annotators", () => {
    const l = lines(annotatorsCsv(r));
    expect(l[0]).toBe(
      "annotator,role,labels,last_hour,median_seconds,kappa_vs_others,kappa_items,percent_agreement,kappa_undefined_because," +
        "accuracy_vs_reviewer_decisions,reviewer_decided_items,reviewer_agreed,accuracy_wilson_low,accuracy_wilson_high",
    );
    expect(l[1]).toBe("ana,lead,400,30,3,0.74,180,0.88,,0.75,20,15,0.531,0.888");
    expect(l[3]).toBe(
      "cy,annotator,70,10,,,30,0.5,chance disagreement is zero: both annotators used one and the same label,,0,0,,",
    );
  });

  it("activity over time", () => {
    expect(lines(activityCsv(r.activity))).toEqual([
      "bucket_start_utc,bucket,labels,decided_cumulative,labels_ana,labels_ben,labels_cy",
      "2026-01-01T09:00:00Z,hour,500,300,300,200,0",
      "2026-01-01T10:00:00Z,hour,0,300,0,0,0",
      "2026-01-01T11:00:00Z,hour,320,500,100,150,70",
    ]);
  });

  it("progress and throughput", () => {
    expect(lines(progressCsv(r))).toEqual([
      "measure,value",
      "items,1000",
      "annotated,300",
      "decided,240",
      "conflicts,20",
      "waiting_for_votes,40",
      "not_started,700",
      "annotations,820",
      "labels_last_hour,40",
      "active_annotators_last_hour,2",
      "median_seconds_per_label,4",
    ]);
  });

  it("history: the chart's points of one scope", () => {
    const pts: AgreementPoint[] = [
      { at: "2026-01-01T00:00:00.000Z", scope: "project", annotations: 5, alpha: 0.5, fleiss: null, ac1: 0.6, percentAgreement: 0.8 },
      { at: "2026-01-02T00:00:00.000Z", scope: "other", annotations: 5, alpha: 0.1, fleiss: null, ac1: 0.1, percentAgreement: 0.1 },
    ];
    expect(lines(historyCsv(pts, "project"))).toEqual([
      "at,scope,annotations,krippendorff_alpha,fleiss_kappa,gwet_ac1,percent_agreement",
      "2026-01-01T00:00:00.000Z,project,5,0.5,,0.6,0.8",
    ]);
  });
});

describe("fileStem", () => {
  it("makes a file name from a title", () => {
    expect(fileStem("Pairwise Cohen's κ")).toBe("pairwise-cohen-s");
    expect(fileStem("Reliability diagram · ECE 0.043")).toBe("reliability-diagram-ece-0-043");
    expect(fileStem("Café")).toBe("cafe");
    expect(fileStem("κ")).toBe("chart");
  });
});
