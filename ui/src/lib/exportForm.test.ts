import { describe, expect, it } from "vitest";
import {
  buildExportRequest,
  defaultExportForm,
  defaultExportRun,
  excludedText,
  formatThreshold,
  labelBreakdown,
  pathForFormat,
  previewKey,
  skippedText,
  type ExportForm,
} from "./exportForm";
import type { RunInfo } from "../bindings/RunInfo";
import type { RunStatus } from "../bindings/RunStatus";

const form = (over: Partial<ExportForm> = {}): ExportForm => ({ ...defaultExportForm("pets@2"), out: "/tmp/x.parquet", ...over });

describe("defaultExportForm", () => {
  it("leaves nothing out by default: no reason or flag is pre-ticked", () => {
    const f = defaultExportForm("pets@2", "7");
    expect(f.excludeReasons).toEqual([]);
    expect(f).toMatchObject({ run: "7", format: "parquet", onlyDecided: false, minAgreementOn: false, split: false, seed: "0" });
  });
});

describe("excludedText", () => {
  it("says how many items a ticked reason removes, once counted", () => {
    expect(excludedText({ bad_input: 3, ambiguous: 1, model_wrong: 0 }, "bad_input")).toBe("removes 3 items");
    expect(excludedText({ ambiguous: 1 }, "ambiguous")).toBe("removes 1 item");
    expect(excludedText({ model_wrong: 0 }, "model_wrong")).toBe("removes no item");
    expect(excludedText({ big: 12345 }, "big")).toBe("removes 12,345 items");
    expect(excludedText({}, "bad_input")).toBeNull();
    expect(excludedText(undefined, "bad_input")).toBeNull();
    expect(excludedText({}, "constructor")).toBeNull();
  });
});

describe("buildExportRequest", () => {
  it("maps the default form to a request with no filters", () => {
    expect(buildExportRequest(form())).toEqual({
      ok: true,
      request: {
        out: "/tmp/x.parquet",
        format: "parquet",
        dataset: "pets@2",
        run: null,
        onlyDecided: false,
        minAgreement: null,
        excludeReasons: [],
        validationShare: null,
        seed: 0,
        allowBelowTarget: false,
      },
    });
  });

  it("maps every filter", () => {
    const built = buildExportRequest(
      form({
        out: "  /tmp/out.csv ",
        format: "csv",
        run: "7",
        onlyDecided: true,
        minAgreementOn: true,
        minAgreement: 0.35000000000000003,
        excludeReasons: ["bad_input", "ambiguous", "bad_input", ""],
        split: true,
        validationPercent: "12.5 %",
        seed: "42",
        allowBelowTarget: true,
      }),
    );
    expect(built).toEqual({
      ok: true,
      request: {
        out: "/tmp/out.csv",
        format: "csv",
        dataset: "pets@2",
        run: 7,
        onlyDecided: true,
        minAgreement: 0.35,
        excludeReasons: ["bad_input", "ambiguous"],
        validationShare: 0.125,
        seed: 42,
        allowBelowTarget: true,
      },
    });
  });

  it("sends 0 as a real minimum agreement only when the filter is on", () => {
    const on = buildExportRequest(form({ minAgreementOn: true, minAgreement: 0 }));
    const off = buildExportRequest(form({ minAgreementOn: false, minAgreement: 0 }));
    expect(on.ok && on.request.minAgreement).toBe(0);
    expect(off.ok && off.request.minAgreement).toBeNull();
  });

  it("ignores the split fields while the split is off", () => {
    const built = buildExportRequest(form({ split: false, validationPercent: "abc", seed: "x" }));
    expect(built.ok && built.request.validationShare).toBeNull();
    expect(built.ok && built.request.seed).toBe(0);
  });

  it("an empty dataset means the project's only dataset", () => {
    const built = buildExportRequest(form({ dataset: " " }));
    expect(built.ok && built.request.dataset).toBeNull();
  });

  it("needs a destination to export, not to preview", () => {
    expect(buildExportRequest(form({ out: "  " }), "export")).toEqual({
      ok: false,
      errors: { out: "Choose where to save the file" },
    });
    expect(buildExportRequest(form({ out: "", format: "imagefolder" }), "export")).toEqual({
      ok: false,
      errors: { out: "Choose a folder to export into" },
    });
    expect(buildExportRequest(form({ out: "" }), "preview").ok).toBe(true);
  });

  it("reports invalid numbers per field", () => {
    for (const bad of ["0", "100", "-5", "abc", "", "1e1"]) {
      const built = buildExportRequest(form({ split: true, validationPercent: bad }));
      expect(built.ok ? null : built.errors.validationPercent).toBe("A percentage above 0 and below 100");
    }
    for (const bad of ["-1", "1.5", "x", "", "99999999999999999999"]) {
      const built = buildExportRequest(form({ split: true, seed: bad }));
      expect(built.ok ? null : built.errors.seed).toBe("A whole number, 0 or more");
    }
    const agreement = buildExportRequest(form({ minAgreementOn: true, minAgreement: 1.5 }));
    expect(agreement.ok ? null : agreement.errors.minAgreement).toBe("Between 0% and 100%");
    const run = buildExportRequest(form({ run: "abc" }));
    expect(run.ok ? null : run.errors.run).toBe("Choose a run");
    const fmt = buildExportRequest(form({ format: "xlsx" as never }));
    expect(fmt.ok ? null : fmt.errors.format).toMatch(/Parquet/);
  });

  it("accepts a validation share given as a fraction of a percent", () => {
    const built = buildExportRequest(form({ split: true, validationPercent: ".5" }));
    expect(built.ok && built.request.validationShare).toBe(0.005);
  });
});

describe("previewKey", () => {
  it("ignores the destination and the table format, not the filters or an image folder", () => {
    const a = buildExportRequest(form({ out: "/a.csv", format: "csv" }));
    const b = buildExportRequest(form({ out: "/b.parquet", format: "parquet" }));
    const c = buildExportRequest(form({ onlyDecided: true }));
    const d = buildExportRequest(form({ out: "/d", format: "imagefolder" }));
    const e = buildExportRequest(form({ out: "/e", format: "imagefolder" }));
    if (!a.ok || !b.ok || !c.ok || !d.ok || !e.ok) throw new Error("invalid");
    expect(previewKey(a.request)).toBe(previewKey(b.request));
    expect(previewKey(a.request)).not.toBe(previewKey(c.request));
    // An image folder counts files, not rows: its own count, whatever the folder's name.
    expect(previewKey(a.request)).not.toBe(previewKey(d.request));
    expect(previewKey(d.request)).toBe(previewKey(e.request));
  });
});

describe("pathForFormat", () => {
  it("swaps a known extension, drops it for a folder, leaves other paths alone", () => {
    expect(pathForFormat("/x/pets.parquet", "csv")).toBe("/x/pets.csv");
    expect(pathForFormat("/x/pets.CSV", "jsonl")).toBe("/x/pets.jsonl");
    expect(pathForFormat("/x/pets.jsonl", "imagefolder")).toBe("/x/pets");
    expect(pathForFormat("/x/pets", "csv")).toBe("/x/pets");
    expect(pathForFormat("/x/pets.txt", "csv")).toBe("/x/pets.txt");
    expect(pathForFormat("", "csv")).toBe("");
  });

  it("gives Label Studio tasks a .json file, and back", () => {
    expect(pathForFormat("/x/pets.parquet", "labelstudio")).toBe("/x/pets.json");
    expect(pathForFormat("/x/pets.json", "parquet")).toBe("/x/pets.parquet");
  });
});

describe("labelBreakdown", () => {
  it("sorts by count with (none) last and computes shares", () => {
    expect(labelBreakdown({ "(none)": 50, cat: 30, dog: 20, frog: 0 })).toEqual([
      { label: "cat", count: 30, share: 0.3 },
      { label: "dog", count: 20, share: 0.2 },
      { label: "(none)", count: 50, share: 0.5 },
    ]);
    expect(labelBreakdown({})).toEqual([]);
  });
});

it("formats a threshold", () => {
  expect(formatThreshold(0.35)).toBe("≥ 35%");
  expect(formatThreshold(1)).toBe("≥ 100%");
});

describe("defaultExportRun", () => {
  const r = (run: number, versionId: number, status: RunStatus): RunInfo => ({
    run,
    model: "m@1",
    dataset: "d@1",
    versionId,
    status,
    items: 1,
    failed: 0,
    provider: "CPU",
    requestedDevice: "auto",
    notice: null,
    seconds: 1,
    itemsPerSecond: 1,
    temperature: null,
  });
  it("is the newest finished run over the version, else none", () => {
    const runs = [r(3, 1, "done"), r(8, 1, "failed"), r(5, 1, "done"), r(9, 2, "done"), r(10, 1, "running")];
    expect(defaultExportRun(runs, 1)).toBe("5");
    expect(defaultExportRun(runs, 2)).toBe("9");
    expect(defaultExportRun(runs, 3)).toBe("");
    expect(defaultExportRun(runs, null)).toBe("");
    expect(defaultExportRun([], 1)).toBe("");
  });
});

describe("skippedText", () => {
  it("says why items were left out of an image folder", () => {
    expect(skippedText({ no_label: 1, no_media: 1234 })).toBe("1 without a final or given label, 1,234 without an image");
    expect(skippedText({ no_media: 0 })).toBe("");
    expect(skippedText({})).toBe("");
  });
});
