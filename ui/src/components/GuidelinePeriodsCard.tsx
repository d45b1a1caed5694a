/**
 * Agreement before and after each guideline change (Dashboard): one row per period between
 * changes of a label's guideline or examples — the schema version it starts at, what changed,
 * the items rated in it, and its α and percent agreement on those ratings alone.
 */
import type { GuidelinePeriod } from "../bindings/GuidelinePeriod";
import { formatCount, formatDateTime } from "../lib/format";
import { formatPercent, formatStat } from "../lib/reportData";
import { ChartCard } from "./charts/ChartCard";

export function periodsCsv(periods: GuidelinePeriod[]): string {
  const rows = [["schema_version", "since", "until", "changed", "ratings", "items", "krippendorff_alpha", "percent_agreement"]];
  for (const p of periods) {
    rows.push([
      String(p.schema_version),
      p.since ?? "",
      p.until ?? "",
      p.changed.join(";"),
      String(p.ratings),
      String(p.items),
      p.krippendorff_alpha === null ? "" : String(p.krippendorff_alpha),
      p.percent_agreement === null ? "" : String(p.percent_agreement),
    ]);
  }
  return rows.map((r) => r.join(",")).join("\n") + "\n";
}

export function GuidelinePeriodsCard({ periods, schemaVersion }: { periods: GuidelinePeriod[]; schemaVersion: number }) {
  return (
    <ChartCard
      title="Agreement by guideline version"
      subtitle={`Schema version ${schemaVersion} · each period's labels alone, nominal α`}
      testId="dash-guideline-periods"
      data={{ "data-periods": String(periods.length), "data-schema-version": String(schemaVersion) }}
      csv={periods.length ? () => periodsCsv(periods) : null}
    >
      {periods.length <= 1 ? (
        <div className="dash-empty">The guidelines have not changed since labeling began (`arbiter labels edit NAME --guideline …`).</div>
      ) : (
        <div className="dash-table-wrap">
          <table className="data-table dash-table">
            <thead>
              <tr>
                <th>From</th>
                <th>Changed</th>
                <th className="num">Items</th>
                <th className="num">α</th>
                <th className="num">Agreement</th>
              </tr>
            </thead>
            <tbody>
              {periods.map((p) => (
                <tr key={`${p.schema_version}-${p.since ?? ""}`} data-version={p.schema_version}>
                  <td>{p.since === null ? "the start" : `v${p.schema_version} · ${formatDateTime(p.since)}`}</td>
                  <td>{p.changed.length ? p.changed.join(", ") : "—"}</td>
                  <td className="num tabular">{formatCount(p.items)}</td>
                  <td className="num tabular">{formatStat(p.krippendorff_alpha)}</td>
                  <td className="num tabular">{formatPercent(p.percent_agreement)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </ChartCard>
  );
}
