import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import { DatasetList } from "./DatasetList";

afterEach(cleanup);

const dataset = (name: string, items: number, labeled: number): DatasetInfo => ({
  id: items,
  name,
  source: `/data/${name}`,
  versions: [
    { id: items, version: 1, contentHash: "ab".repeat(32), items, labeled, createdAt: "2026-12-07T00:00:00Z", featureNames: [], texts: false },
  ],
});

describe("DatasetList", () => {
  it("counts the labels a dataset came with as given labels, and says when it came with none", () => {
    // A Label Studio export brings its labels as annotators' events, not as given labels:
    // "0 labeled" beside a fully annotated project read as if nothing had been labeled.
    render(
      <DatasetList
        datasets={[dataset("pets", 1500, 1200), dataset("from-label-studio", 40, 0)]}
        selectedVersionId={null}
        onSelect={() => {}}
      />,
    );
    const stats = screen.getAllByTestId("dataset-entry").map((e) => e.querySelector(".dataset-stats")?.textContent);
    expect(stats).toEqual(["1,500 items · 1,200 with given labels", "40 items · no given labels"]);
  });
});
